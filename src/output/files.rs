//! Atomic output files: each file is written under a temporary name in the
//! output folder and renamed into place only when the whole run succeeded, so
//! a failed run leaves nothing half-written.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The write buffer of a pending file. Writers that assemble blocks of at
/// least this size themselves hand them to the file without a copy.
pub const WRITE_BUFFER: usize = 1 << 20;

/// A file being written; invisible under its final name until committed.
pub struct PendingFile {
    tmp: PathBuf,
    dest: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl PendingFile {
    pub fn create(dir: &Path, name: &str) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let dest = dir.join(name);
        let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let writer = BufWriter::with_capacity(WRITE_BUFFER, File::create(&tmp)?);
        Ok(PendingFile {
            tmp,
            dest,
            writer: Some(writer),
        })
    }

    pub fn writer(&mut self) -> &mut BufWriter<File> {
        self.writer.as_mut().expect("open until committed")
    }

    /// Flushes and renames into place. The rename alone makes the file appear
    /// whole or not at all, to readers and after the process dies. The file is
    /// not synced to disk first: that would only add durability against a
    /// machine crash, for outputs a rerun reproduces exactly, and it costs
    /// seconds for the hundreds of megabytes of a large run's timeline.
    pub fn commit(mut self) -> io::Result<PathBuf> {
        let mut w = self.writer.take().expect("open until committed");
        w.flush()?;
        drop(w.into_inner().map_err(|e| e.into_error())?);
        std::fs::rename(&self.tmp, &self.dest)?;
        Ok(self.dest.clone())
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if self.writer.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes a whole file atomically.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<PathBuf> {
    let mut f = PendingFile::create(dir, name)?;
    f.writer().write_all(bytes)?;
    f.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_appears_until_commit_and_drop_cleans_up() {
        let dir = std::env::temp_dir().join(format!("jobsim-files-{}", std::process::id()));
        {
            let mut f = PendingFile::create(&dir, "a.txt").unwrap();
            f.writer().write_all(b"x").unwrap();
            assert!(!dir.join("a.txt").exists());
        }
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            0,
            "an abandoned file leaves no trace"
        );
        let mut f = PendingFile::create(&dir, "a.txt").unwrap();
        f.writer().write_all(b"done").unwrap();
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(dir.join("a.txt")).unwrap(), "done");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
