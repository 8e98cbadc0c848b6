//! Standard output for every command. A reader that stops reading (`jobsim
//! run --json | head -1`) closes the pipe; the command then ends quietly, with
//! the status of a process ended by SIGPIPE (141), as `cat` or `seq` would,
//! instead of panicking on the failed write.

use std::io::Write;

/// The exit status after the reader closed standard output: 128 + SIGPIPE.
pub const EXIT_CLOSED_PIPE: i32 = 141;

/// Writes `text` to standard output and flushes it.
pub fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(EXIT_CLOSED_PIPE);
        }
        eprintln!("error: writing to standard output: {e}");
        std::process::exit(i32::from(super::EXIT_FAILURE));
    }
}

/// `println!` through [`print`].
macro_rules! outln {
    () => {
        $crate::app::stdout::print("\n")
    };
    ($($arg:tt)*) => {
        $crate::app::stdout::print(&format!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` through [`print`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::app::stdout::print(&format!($($arg)*))
    };
}

pub(crate) use {out, outln};
