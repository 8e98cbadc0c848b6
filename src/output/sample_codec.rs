//! Time-series samples as a run spools them for `timeseries.csv` and the
//! bands: each sample against the one before it in its replication.
//!
//! A sample is a time and 11 values, 96 bytes as bits. Between two samples
//! most values do not change, and those that do are mostly whole numbers
//! (pods, Jobs, bytes of memory): a sample takes 3 bytes of flags, its
//! time's step and its changed values. A run of 500 replications of
//! capacity-nightly spools 24 MB so, against 424 MB as bits.
//!
//! Per sample: 2 bits per column, little-endian in 3 bytes (0: the value
//! before, bit for bit; 1: a whole number, as a zigzag LEB128 varint; 2: the
//! value's 64 bits), then the time's difference from the sample before as a
//! LEB128 varint, then the values flagged 1 or 2, in column order. The first
//! sample of a replication follows time 0 and every value +0.0. Decoding
//! gives back every value bit for bit, `-0.0` and NaN included.

use super::timeseries::{COLUMNS, Sample};
use std::io::{self, BufRead, Read};

const SAME: u32 = 0;
const WHOLE: u32 = 1;
const BITS: u32 = 2;

/// Bytes of the per-column flags.
const FLAG_BYTES: usize = (2 * COLUMNS.len()).div_ceil(8);

/// Encodes a replication's samples, in order, across the calls.
#[derive(Clone, Debug)]
pub struct SampleEncoder {
    prev: Sample,
}

impl Default for SampleEncoder {
    fn default() -> Self {
        SampleEncoder {
            prev: (0, [0.0; COLUMNS.len()]),
        }
    }
}

/// `v` as an integer that converts back to the same bits, if it is one.
fn whole(v: f64) -> Option<i64> {
    let i = v as i64;
    ((i as f64).to_bits() == v.to_bits()).then_some(i)
}

fn push_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

impl SampleEncoder {
    /// Appends `samples`, which follow those encoded before.
    pub fn encode(&mut self, samples: &[Sample], out: &mut Vec<u8>) {
        for &(t, values) in samples {
            let flags_at = out.len();
            out.extend_from_slice(&[0; FLAG_BYTES]);
            push_varint(out, t.wrapping_sub(self.prev.0));
            let mut flags = 0u32;
            for (c, (&v, &before)) in values.iter().zip(&self.prev.1).enumerate() {
                let flag = if v.to_bits() == before.to_bits() {
                    SAME
                } else if let Some(i) = whole(v) {
                    push_varint(out, ((i << 1) ^ (i >> 63)) as u64);
                    WHOLE
                } else {
                    out.extend_from_slice(&v.to_bits().to_le_bytes());
                    BITS
                };
                flags |= flag << (2 * c);
            }
            out[flags_at..flags_at + FLAG_BYTES].copy_from_slice(&flags.to_le_bytes()[..FLAG_BYTES]);
            self.prev = (t, values);
        }
    }
}

/// What the readers of the bands' streams, one per replication, buffer at
/// most together: 1 MiB.
const BANDS_READ_BUFFER: usize = 1 << 20;
/// A reader's buffer: 2 KiB (a hundred samples or more) while the
/// replications are few, never under 256 bytes (a sample is at most 123).
const READ_BUFFER: usize = 2 << 10;
const MIN_READ_BUFFER: usize = 256;
const _: () = assert!(MIN_READ_BUFFER >= MAX_SAMPLE_BYTES);

/// The buffer of each of `streams` readers read at once: together within
/// 1 MiB (from 512 replications on, each gets less than 2 KiB), at least
/// 256 bytes each.
pub fn buffer_per_reader(streams: usize) -> usize {
    (BANDS_READ_BUFFER / streams.max(1)).clamp(MIN_READ_BUFFER, READ_BUFFER)
}

fn byte(read: &mut impl Read) -> io::Result<u8> {
    let mut b = [0u8; 1];
    read.read_exact(&mut b)?;
    Ok(b[0])
}

fn varint(read: &mut impl Read) -> io::Result<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = byte(read)?;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Ok(v);
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidData,
        "a varint longer than 64 bits",
    ))
}

/// The most bytes one sample takes: its flags, and a 10-byte varint or 8
/// bytes for its time and each value.
const MAX_SAMPLE_BYTES: usize = FLAG_BYTES + 10 * (1 + COLUMNS.len());

/// Decodes the sample after `prev` from `read`.
fn decode_one(read: &mut impl Read, prev: &Sample) -> io::Result<Sample> {
    let mut flag_bytes = [0u8; 4];
    read.read_exact(&mut flag_bytes[..FLAG_BYTES])?;
    let flags = u32::from_le_bytes(flag_bytes);
    let t = prev.0.wrapping_add(varint(read)?);
    let mut values = prev.1;
    for (c, v) in values.iter_mut().enumerate() {
        match (flags >> (2 * c)) & 3 {
            SAME => {}
            WHOLE => {
                let z = varint(read)?;
                *v = ((z >> 1) as i64 ^ -((z & 1) as i64)) as f64;
            }
            BITS => {
                let mut b = [0u8; 8];
                read.read_exact(&mut b)?;
                *v = f64::from_bits(u64::from_le_bytes(b));
            }
            _ => return Err(io::Error::new(io::ErrorKind::InvalidData, "an unknown column flag")),
        }
    }
    Ok((t, values))
}

/// Reads back what a [`SampleEncoder`] wrote, through a buffer of `buffer`
/// bytes. A stream cut inside a sample is an error, not its end.
pub fn decode_samples<R: Read>(read: R, buffer: usize) -> impl Iterator<Item = io::Result<Sample>> {
    let mut read = io::BufReader::with_capacity(buffer.max(MAX_SAMPLE_BYTES), read);
    let mut prev: Sample = SampleEncoder::default().prev;
    std::iter::from_fn(move || {
        let sample = match read.fill_buf() {
            Ok([]) => return None,
            // A whole sample in the buffer: decoded from the slice, which
            // then says how much it took.
            Ok(mut buf) if buf.len() >= MAX_SAMPLE_BYTES => {
                let before = buf.len();
                let sample = decode_one(&mut buf, &prev);
                let used = before - buf.len();
                read.consume(used);
                sample
            }
            Ok(_) => decode_one(&mut read, &prev),
            Err(e) => Err(e),
        };
        if let Ok(s) = sample {
            prev = s;
        }
        Some(sample)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn value() -> impl Strategy<Value = f64> {
        prop_oneof![
            (-3i64..3).prop_map(|i| i as f64),
            (0i64..1 << 40).prop_map(|i| i as f64),
            Just(-0.0),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(i64::MIN as f64),
            Just(9.3e18),
            any::<f64>(),
            (0u32..1000).prop_map(|m| m as f64 / 8.0),
        ]
    }

    proptest! {
        /// Any samples, however spilled, come back bit for bit through any
        /// buffer (those under a sample's most bytes are raised to it), times
        /// going back included.
        #[test]
        fn samples_round_trip_bit_for_bit(
            samples in prop::collection::vec((any::<u64>(), prop::array::uniform11(value())), 0..40),
            cut in 0usize..40,
            buffer in 1usize..600,
        ) {
            let mut enc = SampleEncoder::default();
            let mut bytes = Vec::new();
            let cut = cut.min(samples.len());
            enc.encode(&samples[..cut], &mut bytes);
            enc.encode(&samples[cut..], &mut bytes);
            let back: Vec<Sample> = decode_samples(&bytes[..], buffer).collect::<io::Result<_>>().unwrap();
            prop_assert_eq!(back.len(), samples.len());
            for (b, s) in back.iter().zip(&samples) {
                prop_assert_eq!(b.0, s.0);
                prop_assert_eq!(b.1.map(f64::to_bits), s.1.map(f64::to_bits));
            }
        }
    }

    /// Unchanged values cost nothing and small whole ones a byte: a typical
    /// step is a few bytes, not 96.
    #[test]
    fn a_quiet_step_is_a_few_bytes() {
        let mut enc = SampleEncoder::default();
        let mut bytes = Vec::new();
        let mut v = [0.0; COLUMNS.len()];
        v[0] = 12.0;
        v[7] = 1.5;
        enc.encode(&[(1000, v)], &mut bytes);
        let first = bytes.len();
        assert_eq!(
            first,
            FLAG_BYTES + 2 + 1 + 8,
            "time 1000 in 2 bytes, 12 in 1, 1.5 as bits"
        );
        v[0] = 13.0;
        enc.encode(&[(2000, v)], &mut bytes);
        assert_eq!(bytes.len() - first, FLAG_BYTES + 2 + 1);
    }

    /// A stream cut inside a sample is an error; an empty one has no samples.
    #[test]
    fn a_cut_stream_is_an_error() {
        let mut bytes = Vec::new();
        SampleEncoder::default().encode(&[(5, [7.5; COLUMNS.len()])], &mut bytes);
        assert_eq!(decode_samples(&[][..], 8).count(), 0);
        let cut: Vec<io::Result<Sample>> = decode_samples(&bytes[..bytes.len() - 1], 8).collect();
        assert_eq!(cut.len(), 1);
        assert_eq!(cut[0].as_ref().unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
    }

    /// Readers of many replications share 1 MiB; few get 2 KiB each.
    #[test]
    fn band_readers_share_a_fixed_buffer() {
        assert_eq!(buffer_per_reader(1), READ_BUFFER);
        assert_eq!(buffer_per_reader(512), READ_BUFFER);
        for reps in [513, 2_000, 4_096] {
            let each = buffer_per_reader(reps);
            assert!(each < READ_BUFFER && each * reps <= BANDS_READ_BUFFER, "{reps}: {each}");
        }
        assert_eq!(buffer_per_reader(100_000), MIN_READ_BUFFER);
    }
}
