//! Bounded reads: every byte faultline reads from a repository, a configuration, a baseline or
//! standard input goes through here, so that a device, a FIFO or a file of any size costs at
//! most `limit + 1` bytes of memory and never blocks.
//!
//! A file is opened without blocking (a FIFO opened for reading would otherwise wait for a
//! writer), then judged by the *opened handle's* metadata: a regular file that a link or a
//! rename put in place after a check by path is still caught. The read stops after `limit + 1`
//! bytes, so "exactly at the limit" and "past it" are told apart without trusting the size the
//! metadata reports (`/proc` files report 0, a growing file reports less than it holds).

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// The most a configuration file (`faultline.toml`, `pyproject.toml`) may hold.
pub const CONFIG_LIMIT: u64 = 4 * 1024 * 1024;

/// The most a baseline file may hold (about 200,000 entries).
pub const BASELINE_LIMIT: u64 = 64 * 1024 * 1024;

/// Why a bounded read gave no bytes.
#[derive(Debug)]
pub enum ReadError {
    /// A directory, FIFO, socket or device: nothing to read as a file.
    NotRegular(&'static str),
    /// More than `limit` bytes.
    TooLarge { limit: u64 },
    /// The operating system refused (missing, unreadable, ...).
    Io(std::io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NotRegular(_) => f.write_str("not a regular file"),
            ReadError::TooLarge { limit } => write!(f, "larger than {}", human_size(*limit)),
            ReadError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ReadError {}

impl From<std::io::Error> for ReadError {
    fn from(e: std::io::Error) -> ReadError {
        ReadError::Io(e)
    }
}

impl ReadError {
    /// What the path is when it is not a regular file ("a directory", "a FIFO", ...).
    pub fn kind(&self) -> Option<&'static str> {
        match self {
            ReadError::NotRegular(kind) => Some(kind),
            _ => None,
        }
    }
}

/// `bytes` as people write sizes: `2 MB`, `64 KB`, `100 bytes` (binary multiples).
pub fn human_size(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;
    if bytes >= MB && bytes % MB == 0 {
        format!("{} MB", bytes / MB)
    } else if bytes >= KB && bytes % KB == 0 {
        format!("{} KB", bytes / KB)
    } else {
        format!("{bytes} bytes")
    }
}

/// What a file type is, in words, when it is not a regular file.
fn describe(file_type: std::fs::FileType) -> &'static str {
    if file_type.is_dir() {
        return "a directory";
    }
    if file_type.is_symlink() {
        return "a symbolic link";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
    }
    "not a regular file"
}

/// `O_NONBLOCK`, so that opening a FIFO for reading does not wait for a writer. It changes
/// nothing for a regular file (reads of regular files never block).
#[cfg(any(target_os = "linux", target_os = "android"))]
const O_NONBLOCK: i32 = 0o4000;
#[cfg(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
))]
const O_NONBLOCK: i32 = 0x0004;
#[cfg(all(
    unix,
    not(any(
        target_os = "linux",
        target_os = "android",
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "dragonfly"
    ))
))]
const O_NONBLOCK: i32 = 0;

fn open_without_blocking(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(O_NONBLOCK);
    }
    options.open(path)
}

/// The contents of the regular file at `path` (links followed), at most `limit` bytes.
///
/// Anything else — a directory, FIFO, socket or device — is [`ReadError::NotRegular`], judged
/// first by the path (so that a device is not even opened) and again by the opened handle (so
/// that a swap after the first check is caught). More than `limit` bytes is
/// [`ReadError::TooLarge`]; at most `limit + 1` bytes are read to tell.
pub fn read_regular_file(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let before = std::fs::metadata(path)?;
    if !before.is_file() {
        return Err(ReadError::NotRegular(describe(before.file_type())));
    }
    let file = open_without_blocking(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(ReadError::NotRegular(describe(metadata.file_type())));
    }
    if metadata.len() > limit {
        return Err(ReadError::TooLarge { limit });
    }
    read_bounded_with_hint(file, limit, metadata.len())
}

/// At most `limit` bytes from `reader` (standard input, a pipe): [`ReadError::TooLarge`] once
/// a byte past the limit arrives, without reading further.
pub fn read_bounded(reader: impl Read, limit: u64) -> Result<Vec<u8>, ReadError> {
    read_bounded_with_hint(reader, limit, 0)
}

fn read_bounded_with_hint(reader: impl Read, limit: u64, hint: u64) -> Result<Vec<u8>, ReadError> {
    // The hint is only a capacity: a file may hold more (or less) than its metadata says.
    let capacity = usize::try_from(hint.min(limit).saturating_add(1)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit });
    }
    Ok(bytes)
}

/// Standard input, at most `limit` bytes.
pub fn read_stdin(limit: u64) -> Result<Vec<u8>, ReadError> {
    read_bounded(std::io::stdin().lock(), limit)
}

/// [`read_regular_file`] as UTF-8 text (configurations, baselines); invalid UTF-8 is an
/// [`ReadError::Io`] of kind `InvalidData`.
pub fn read_regular_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    let bytes = read_regular_file(path, limit)?;
    String::from_utf8(bytes).map_err(|_| {
        ReadError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_up_to_the_limit_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.ts");
        std::fs::write(&path, b"0123456789").unwrap();
        assert_eq!(read_regular_file(&path, 10).unwrap(), b"0123456789");
        assert_eq!(read_regular_file(&path, 100).unwrap(), b"0123456789");
        let empty = dir.path().join("empty.ts");
        std::fs::write(&empty, b"").unwrap();
        assert_eq!(read_regular_file(&empty, 0).unwrap(), b"");
    }

    #[test]
    fn one_byte_past_the_limit_is_too_large() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.ts");
        std::fs::write(&path, b"0123456789").unwrap();
        let error = read_regular_file(&path, 9).unwrap_err();
        assert!(
            matches!(error, ReadError::TooLarge { limit: 9 }),
            "{error:?}"
        );
        assert_eq!(error.to_string(), "larger than 9 bytes");
    }

    #[test]
    fn a_directory_is_not_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let error = read_regular_file(dir.path(), 100).unwrap_err();
        assert_eq!(error.kind(), Some("a directory"));
        assert_eq!(error.to_string(), "not a regular file");
    }

    #[test]
    fn a_missing_file_is_an_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let error = read_regular_file(&dir.path().join("missing"), 100).unwrap_err();
        match error {
            ReadError::Io(e) => assert_eq!(e.kind(), std::io::ErrorKind::NotFound),
            other => panic!("{other:?}"),
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_refused_without_reading() {
        let error = read_regular_file(Path::new("/dev/zero"), 1024).unwrap_err();
        assert_eq!(error.kind(), Some("a device"));
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pipe.py");
        let status = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap();
        assert!(status.success());
        let error = read_regular_file(&path, 1024).unwrap_err();
        assert_eq!(error.kind(), Some("a FIFO"));
    }

    #[cfg(unix)]
    #[test]
    fn a_link_to_a_regular_file_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.py");
        std::fs::write(&target, b"x = 1\n").unwrap();
        let link = dir.path().join("b.py");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert_eq!(read_regular_file(&link, 100).unwrap(), b"x = 1\n");
    }

    #[test]
    fn an_endless_reader_stops_one_byte_past_the_limit() {
        let mut zeros = std::io::repeat(0);
        let error = read_bounded(&mut zeros, 4096).unwrap_err();
        assert!(matches!(error, ReadError::TooLarge { limit: 4096 }));
        // What it consumed: limit + 1 bytes, no more.
        let mut counted = Counting {
            inner: std::io::repeat(7),
            read: 0,
        };
        assert!(read_bounded(&mut counted, 100).is_err());
        assert_eq!(counted.read, 101);
    }

    #[test]
    fn a_short_reader_is_read_whole() {
        assert_eq!(read_bounded(&b"abc"[..], 3).unwrap(), b"abc");
        assert_eq!(read_bounded(&b""[..], 0).unwrap(), b"");
        assert!(matches!(
            read_bounded(&b"abcd"[..], 3),
            Err(ReadError::TooLarge { limit: 3 })
        ));
    }

    #[test]
    fn text_must_be_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("faultline.toml");
        std::fs::write(&path, b"a = '\xff'\n").unwrap();
        let error = read_regular_text(&path, 100).unwrap_err();
        assert!(error.to_string().contains("valid UTF-8"), "{error}");
        std::fs::write(&path, b"a = 1\n").unwrap();
        assert_eq!(read_regular_text(&path, 100).unwrap(), "a = 1\n");
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human_size(2 * 1024 * 1024), "2 MB");
        assert_eq!(human_size(64 * 1024), "64 KB");
        assert_eq!(human_size(1000), "1000 bytes");
        assert_eq!(human_size(1536 * 1024), "1536 KB");
    }

    struct Counting<R> {
        inner: R,
        read: usize,
    }

    impl<R: Read> Read for Counting<R> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.read += n;
            Ok(n)
        }
    }
}
