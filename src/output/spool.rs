//! A scratch file for what every replication produces and the run writes out
//! only once all of them are done (time-series samples for the bands,
//! `jobs.csv` rows in replication order): memory then holds none of it, however
//! many replications there are. The file is unlinked from the start, so nothing
//! is left behind when the process ends, whichever way it ends.

use std::fs::File;
use std::io::{self, Read};
#[cfg(not(unix))]
use std::io::{Seek, SeekFrom, Write};

/// Chunks of bytes filed under a key, read back key by key in the order they came.
pub struct Spool {
    file: File,
    len: u64,
    /// (key, offset, length) of every chunk, in the order written.
    chunks: Vec<(u32, u64, u32)>,
}

impl Spool {
    pub fn new() -> io::Result<Self> {
        Ok(Spool {
            file: tempfile::tempfile()?,
            len: 0,
            chunks: Vec::new(),
        })
    }

    /// Files `bytes` under `key`, after what `key` already holds.
    pub fn append(&mut self, key: u32, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        let len = u32::try_from(bytes.len()).map_err(|_| io::Error::other("spool chunk over 4 GiB"))?;
        write_all_at(&self.file, bytes, self.len)?;
        self.chunks.push((key, self.len, len));
        self.len += len as u64;
        Ok(())
    }

    /// Readers of keys `0..keys`, by key, from one pass over the chunks: a
    /// reader per key found by its own pass would make reading every
    /// replication back quadratic in the replications.
    pub fn readers(&self, keys: u32) -> Vec<SpoolReader<'_>> {
        let mut readers: Vec<SpoolReader<'_>> = (0..keys).map(|_| SpoolReader::over(&self.file, Vec::new())).collect();
        for &(key, off, len) in &self.chunks {
            if let Some(r) = readers.get_mut(key as usize) {
                r.chunks.push((off, len as u64));
            }
        }
        readers
    }

    /// Everything filed under `key`, as one stream.
    pub fn reader(&self, key: u32) -> SpoolReader<'_> {
        let chunks = (self.chunks.iter())
            .filter(|c| c.0 == key)
            .map(|&(_, off, len)| (off, len as u64))
            .collect();
        SpoolReader::over(&self.file, chunks)
    }
}

/// Reads one key's chunks. Readers of one spool may interleave: each reads
/// at its own positions.
pub struct SpoolReader<'a> {
    file: &'a File,
    /// (offset, length) of the key's chunks, in order.
    chunks: Vec<(u64, u64)>,
    next: usize,
    /// Bytes already read of `chunks[next]`.
    pos: u64,
}

impl<'a> SpoolReader<'a> {
    fn over(file: &'a File, chunks: Vec<(u64, u64)>) -> Self {
        SpoolReader {
            file,
            chunks,
            next: 0,
            pos: 0,
        }
    }
}

impl Read for SpoolReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while let Some(&(off, len)) = self.chunks.get(self.next) {
            if self.pos == len {
                self.next += 1;
                self.pos = 0;
                continue;
            }
            let want = buf.len().min((len - self.pos) as usize);
            let n = read_at(self.file, &mut buf[..want], off + self.pos)?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            self.pos += n as u64;
            return Ok(n);
        }
        Ok(0)
    }
}

/// Reads at `offset`. Positioned, where the system has it: one system call
/// instead of a seek and a read (a run with many replications reads its
/// spool back in hundreds of thousands of pieces), and no shared cursor for
/// interleaved readers to move.
#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(not(unix))]
fn read_at(mut file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    file.seek(SeekFrom::Start(offset))?;
    file.read(buf)
}

/// Writes all of `bytes` at `offset` (positioned, as [`read_at`] reads).
#[cfg(unix)]
fn write_all_at(file: &File, bytes: &[u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, offset)
}

#[cfg(not(unix))]
fn write_all_at(mut file: &File, bytes: &[u8], offset: u64) -> io::Result<()> {
    file.seek(SeekFrom::Start(offset))?;
    file.write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    #[test]
    fn keys_read_back_their_own_chunks_in_order_while_interleaved() {
        let mut s = Spool::new().unwrap();
        s.append(1, b"one,").unwrap();
        s.append(0, b"zero,").unwrap();
        s.append(1, b"two,").unwrap();
        s.append(2, b"").unwrap();
        s.append(1, b"three").unwrap();
        let (mut a, mut b) = (BufReader::with_capacity(3, s.reader(1)), s.reader(0));
        let (mut x, mut y) = (String::new(), String::new());
        // Alternate small reads of both keys: each reader keeps its own place.
        let mut byte = [0u8; 1];
        while a.read(&mut byte).unwrap() == 1 {
            x.push(byte[0] as char);
            if b.read(&mut byte).unwrap() == 1 {
                y.push(byte[0] as char);
            }
        }
        assert_eq!(x, "one,two,three");
        assert_eq!(y, "zero,");
        let mut none = String::new();
        s.reader(2).read_to_string(&mut none).unwrap();
        assert_eq!(none, "");
    }

    /// All keys' readers at once read what each key's own reader reads;
    /// keys with nothing filed, or past the last, read empty.
    #[test]
    fn readers_of_every_key_match_their_own_readers() {
        let mut s = Spool::new().unwrap();
        for (k, text) in [(2, "c1,"), (0, "a1,"), (2, "c2"), (0, "a2"), (5, "ignored")] {
            s.append(k, text.as_bytes()).unwrap();
        }
        let texts: Vec<String> = (s.readers(4).into_iter())
            .map(|mut r| {
                let mut t = String::new();
                r.read_to_string(&mut t).unwrap();
                t
            })
            .collect();
        assert_eq!(texts, ["a1,a2", "", "c1,c2", ""]);
        for (k, want) in texts.iter().enumerate() {
            let mut t = String::new();
            s.reader(k as u32).read_to_string(&mut t).unwrap();
            assert_eq!(&t, want);
        }
    }
}
