//! Atomic output files: each file is written under a temporary name and
//! renamed into place only when the whole run succeeded, so a failed run
//! leaves nothing half-written.
//!
//! A run writes all its files into a staging folder inside the output folder
//! (`.jobsim-run-PID`), then moves them into place in one last step
//! ([`Staging::commit`]) that also removes the files an earlier run wrote and
//! this one did not (`timeseries-bands.csv` after a single replication, PNGs
//! without `--png`): the folder holds one run's files, never a mix. What is
//! pending is registered here, so that Ctrl-C or SIGTERM removes it
//! ([`clean_up_on_interrupt`]) and waits for a commit under way to finish;
//! what a killed process left (`kill -9`) the next run into the folder removes.

use super::names::own_files;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What an interruption must remove: staging folders, and folders whose
/// temporary files of this process must go (`jobsim plot`). The lock is
/// held while a run commits, so an interruption waits for the commit.
static PENDING: Mutex<Vec<Pending>> = Mutex::new(Vec::new());

#[derive(Clone, PartialEq, Eq)]
enum Pending {
    Staging(PathBuf),
    TempFilesIn(PathBuf),
}

fn pending() -> std::sync::MutexGuard<'static, Vec<Pending>> {
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// Removes what is pending when the process is interrupted (SIGINT, SIGTERM,
/// SIGHUP), then exits with 130. Installed once, by `main`.
pub fn clean_up_on_interrupt() {
    // A handler that cannot be installed (one already is) leaves the default:
    // what an interrupted run leaves, the next run removes.
    let _ = ctrlc::set_handler(|| {
        let pending = pending();
        for p in pending.iter() {
            match p {
                Pending::Staging(dir) => {
                    let _ = std::fs::remove_dir_all(dir);
                }
                Pending::TempFilesIn(dir) => remove_temp_files(dir, |pid| pid == std::process::id()),
            }
        }
        std::process::exit(130);
    });
}

/// `.NAME.tmp-PID` or `.NAME.tmp-PID.png` for one of jobsim's own files:
/// the PID.
fn temp_file_pid(file: &str, own: &[String]) -> Option<u32> {
    let rest = file.strip_prefix('.')?;
    let (name, pid) = rest.rsplit_once(".tmp-")?;
    let pid = pid.strip_suffix(".png").unwrap_or(pid);
    let chart_png = |n: &str| own.iter().any(|o| o.strip_suffix(".png") == Some(n));
    if !(own.iter().any(|o| o == name) || chart_png(name)) {
        return None;
    }
    pid.parse().ok()
}

/// Whether a process may still be writing (on Linux: it exists).
fn alive(pid: u32) -> bool {
    pid == std::process::id() || Path::new("/proc").join(pid.to_string()).exists()
}

/// Removes jobsim's temporary files in `dir` whose PID `stale` accepts.
fn remove_temp_files(dir: &Path, stale: impl Fn(u32) -> bool) {
    let own = own_files();
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let name = e.file_name();
        if let Some(pid) = name.to_str().and_then(|n| temp_file_pid(n, &own))
            && stale(pid)
        {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Removes what interrupted or killed runs left in `dir`: their staging
/// folders and jobsim's temporary files, of processes that are gone.
pub fn remove_stale(dir: &Path) {
    remove_temp_files(dir, |pid| !alive(pid));
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let name = e.file_name();
        let pid = name
            .to_str()
            .and_then(|n| n.strip_prefix(STAGING_PREFIX))
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid
            && !alive(pid)
            && e.file_type().is_ok_and(|t| t.is_dir())
        {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

const STAGING_PREFIX: &str = ".jobsim-run-";

/// The staging folder of a run: every file is written here, and moved into
/// the output folder by [`Staging::commit`]. Dropped uncommitted, it is removed.
pub struct Staging {
    out: PathBuf,
    dir: PathBuf,
    committed: bool,
}

impl Staging {
    /// Creates the output folder and the staging folder in it, after
    /// removing what interrupted runs left there.
    pub fn create(out: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(out)?;
        remove_stale(out);
        let dir = out.join(format!("{STAGING_PREFIX}{}", std::process::id()));
        let mut pending = pending();
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir)?;
        pending.push(Pending::Staging(dir.clone()));
        Ok(Staging {
            out: out.to_path_buf(),
            dir,
            committed: false,
        })
    }

    /// Where the run writes its files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Moves every staged file into the output folder and removes jobsim's
    /// files of an earlier run that this run did not write; an interruption
    /// waits until this is done. Other files in the folder are left alone.
    pub fn commit(self) -> io::Result<()> {
        self.commit_owning(|_| false)
    }

    /// [`Staging::commit`], also removing the files of the folder that `own`
    /// accepts and this run did not write (a sweep's charts, whose names
    /// follow the statistics charted).
    pub fn commit_owning(mut self, own: impl Fn(&str) -> bool) -> io::Result<()> {
        let mut pending = pending();
        let mut staged = Vec::new();
        for e in std::fs::read_dir(&self.dir)? {
            staged.push(e?.file_name());
        }
        let mut replaced = Vec::new();
        for name in &staged {
            self.move_in(name, &mut replaced)?;
        }
        let mut stale: Vec<PathBuf> = own_files()
            .into_iter()
            .filter(|o| !staged.iter().any(|n| n.to_str() == Some(o.as_str())))
            .map(|o| self.out.join(o))
            .collect();
        for e in std::fs::read_dir(&self.out)? {
            let e = e?;
            let name = e.file_name();
            if name.to_str().is_some_and(&own) && !staged.contains(&name) && e.file_type()?.is_file() {
                stale.push(e.path());
            }
        }
        for path in stale {
            match std::fs::remove_file(path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        for path in replaced {
            std::fs::remove_file(path)?;
        }
        std::fs::remove_dir(&self.dir)?;
        pending.retain(|p| *p != Pending::Staging(self.dir.clone()));
        self.committed = true;
        Ok(())
    }

    /// Moves the staged file `name` into the output folder. A file it
    /// replaces is first moved aside into the staging folder (into
    /// `replaced`, which the caller deletes): ext4 writes a file's data out
    /// before a rename onto an existing file returns (`auto_da_alloc`), not
    /// before a rename to a free name (ARCHITECTURE.md, Performance). Readers
    /// see the old file, for an instant none, then the new one; never a part.
    fn move_in(&self, name: &std::ffi::OsStr, replaced: &mut Vec<PathBuf>) -> io::Result<()> {
        let dest = self.out.join(name);
        let mut aside = None;
        if std::fs::symlink_metadata(&dest).is_ok_and(|m| m.is_file()) {
            let mut parked = std::ffi::OsString::from(".replaced-");
            parked.push(name);
            let path = self.dir.join(parked);
            std::fs::rename(&dest, &path)?;
            aside = Some(path);
        }
        if let Err(e) = std::fs::rename(self.dir.join(name), &dest) {
            if let Some(path) = &aside {
                let _ = std::fs::rename(path, &dest);
            }
            return Err(e);
        }
        replaced.extend(aside);
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let mut pending = pending();
            let _ = std::fs::remove_dir_all(&self.dir);
            pending.retain(|p| *p != Pending::Staging(self.dir.clone()));
        }
    }
}

/// Registers `dir` so that an interruption removes this process's temporary
/// files in it (`jobsim plot`, which draws in place); the guard unregisters.
pub fn guard_temp_files(dir: &Path) -> TempFilesGuard {
    let entry = Pending::TempFilesIn(dir.to_path_buf());
    pending().push(entry.clone());
    TempFilesGuard(entry)
}

/// See [`guard_temp_files`].
pub struct TempFilesGuard(Pending);

impl Drop for TempFilesGuard {
    fn drop(&mut self) {
        pending().retain(|p| *p != self.0);
    }
}

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

    #[test]
    fn commit_replaces_earlier_files_and_removes_what_this_run_did_not_write() {
        let out = std::env::temp_dir().join(format!("jobsim-commit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&out);
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("events.csv"), "old events").unwrap();
        std::fs::write(out.join("timeseries-bands.csv"), "old bands").unwrap();
        std::fs::write(out.join("notes.txt"), "the user's").unwrap();
        let staging = Staging::create(&out).unwrap();
        std::fs::write(staging.dir().join("events.csv"), "new events").unwrap();
        std::fs::write(staging.dir().join("summary.json"), "{}").unwrap();
        staging.commit().unwrap();
        let mut names: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["events.csv", "notes.txt", "summary.json"],
            "no staging folder, nothing parked"
        );
        assert_eq!(std::fs::read_to_string(out.join("events.csv")).unwrap(), "new events");
        assert_eq!(std::fs::read_to_string(out.join("notes.txt")).unwrap(), "the user's");
        std::fs::remove_dir_all(&out).unwrap();
    }

    #[test]
    fn only_jobsims_own_temporary_files_are_recognised() {
        let own = own_files();
        assert_eq!(temp_file_pid(".events.csv.tmp-123", &own), Some(123));
        assert_eq!(temp_file_pid(".gantt.tmp-9.png", &own), Some(9));
        assert_eq!(temp_file_pid(".gantt.svg.tmp-9", &own), Some(9));
        assert_eq!(temp_file_pid(".notes.txt.tmp-9", &own), None);
        assert_eq!(temp_file_pid("events.csv", &own), None);
        assert_eq!(temp_file_pid(".events.csv.tmp-x", &own), None);
    }
}
