//! A per-file cache of lowered models, so that re-runs and pre-commit hooks parse only the
//! files that changed.
//!
//! An entry is found by a keyed hash (blake3 with a 32-byte secret key) of faultline's version
//! and build, the file's language, a salt holding everything else that changes lowering (the
//! vocabulary) and the file's bytes. The folder lives in the repository, which is untrusted in
//! CI: a pull request could commit a `.faultline_cache` whose entries describe models that were
//! never lowered from the files they are found for. So the key is secret (it lives in the
//! user's cache home, or in a `--cache-dir` the user named), entry names cannot be predicted,
//! and each entry carries a seal (a keyed hash of its name and payload) that is checked before
//! the payload is decoded. Anything that does not check out is ignored and rewritten.
//!
//! Layout: `<dir>/.gitignore` (`*`), `<dir>/CACHEDIR.TAG`, `<dir>/v1-<version>/<hex name>`, an
//! entry being 32 bytes of seal followed by the postcard encoding of the [`Model`]. Writes go
//! to a temporary file that is renamed over the entry, so concurrent runs never see half an
//! entry. Links are never followed: a cache folder that is a link is not used. A read-only or
//! full disk turns the cache off for the rest of the run with one note.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use crate::model::{Language, Model};

/// The folder name used at the tree root when no `cache-dir` is configured.
pub const DEFAULT_DIR: &str = ".faultline_cache";

/// Bumped when the layout of the folder or of an entry changes.
const FORMAT: &str = "v1";

/// The first line of a cache directory tag (https://bford.info/cachedir/), then faultline's.
const CACHEDIR_TAG: &str = "Signature: 8a477f597d28d172789f06886806bc55\n\
# This file is a cache directory tag created by faultline.\n\
# For information about cache directory tags see https://bford.info/cachedir/\n";

/// The line of [`CACHEDIR_TAG`] that `faultline clean` looks for before it removes a folder.
const TAG_MARK: &str = "created by faultline";

/// Entries larger than this are not read (a model is a small fraction of its source, and
/// sources are at most `discover::MAX_FILE_BYTES`).
const MAX_ENTRY_BYTES: u64 = 64 * 1024 * 1024;

const SEAL_LEN: usize = 32;

/// Where the cache lives and whether the user named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The cache folder itself (`<root>/.faultline_cache` by default).
    pub dir: PathBuf,
    /// Named on the command line (`--cache-dir`): the secret key is kept inside it. Otherwise
    /// the folder is in the scanned tree and the key stays in the user's cache home.
    pub trusted: bool,
}

/// An entry's name: the keyed hash of what the lowering depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EntryName([u8; 32]);

impl EntryName {
    fn hex(&self) -> String {
        blake3::Hash::from_bytes(self.0).to_hex().to_string()
    }
}

/// An open cache, shared by the worker threads of one scan.
pub struct Cache {
    /// The cache folder.
    root: PathBuf,
    /// `<root>/v1-<version>`: this build's entries.
    dir: PathBuf,
    key: [u8; 32],
    /// Hash of the version, the build and the salt, fed into every entry name.
    context: [u8; 32],
    used: Mutex<HashSet<EntryName>>,
    disabled: AtomicBool,
    note: OnceLock<String>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").field("dir", &self.dir).finish()
    }
}

/// The version folder of this build: `v1-<version>`.
fn version_dir_name() -> String {
    format!("{FORMAT}-{}", env!("CARGO_PKG_VERSION"))
}

/// What tells one build from another with the same version: the executable's size and time
/// of modification. A rebuilt binary (a developer's, with changed front ends) misses every
/// entry of the old one instead of reading models that its code would lower differently.
fn build_fingerprint() -> String {
    let meta = std::env::current_exe().and_then(fs::metadata);
    match meta {
        Ok(m) => {
            let modified = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{}:{modified}", m.len())
        }
        Err(_) => String::new(),
    }
}

impl Cache {
    /// Opens (and creates) the cache at `location`. `salt` holds everything besides the source
    /// and its language that changes the lowering. `Err` is a note saying why there is no cache.
    pub fn open(location: &Location, salt: &str) -> Result<Cache, String> {
        let root = crate::paths::absolute(&location.dir);
        let shown = crate::escape::visible_path(&location.dir);
        if !location.trusted {
            refuse_links(&root).map_err(|why| format!("cache disabled: {shown} {why}"))?;
        }
        let disabled = |e: io::Error| format!("cache disabled: cannot use {shown}: {}", e.kind());
        make_dir(&root, true).map_err(disabled)?;
        write_if_missing(&root.join(".gitignore"), b"# Created by faultline.\n*\n")
            .map_err(disabled)?;
        write_if_missing(&root.join("CACHEDIR.TAG"), CACHEDIR_TAG.as_bytes()).map_err(disabled)?;
        let dir = root.join(version_dir_name());
        make_dir(&dir, false).map_err(disabled)?;
        let key = if location.trusted {
            secret_key(&root)
        } else {
            match user_cache_home() {
                Some(home) => secret_key(&home.join("faultline")),
                None => Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    "no cache home (XDG_CACHE_HOME, LOCALAPPDATA or HOME)",
                )),
            }
        }
        .map_err(|e| format!("cache disabled: cannot read or create its secret key: {e}"))?;
        let mut context = blake3::Hasher::new_keyed(&key);
        for part in [
            "faultline-cache-context",
            env!("CARGO_PKG_VERSION"),
            &build_fingerprint(),
            salt,
        ] {
            context.update(&(part.len() as u64).to_le_bytes());
            context.update(part.as_bytes());
        }
        Ok(Cache {
            root,
            dir,
            key,
            context: *context.finalize().as_bytes(),
            used: Mutex::new(HashSet::new()),
            disabled: AtomicBool::new(false),
            note: OnceLock::new(),
        })
    }

    /// The entry name of a file with this language and content.
    pub fn name(&self, language: Language, source: &[u8]) -> EntryName {
        let mut hasher = blake3::Hasher::new_keyed(&self.key);
        hasher.update(b"faultline-cache-entry");
        hasher.update(&self.context);
        hasher.update(language.family().as_bytes());
        hasher.update(&[language as u8]);
        hasher.update(&(source.len() as u64).to_le_bytes());
        hasher.update(source);
        EntryName(*hasher.finalize().as_bytes())
    }

    fn seal(&self, name: &EntryName, payload: &[u8]) -> blake3::Hash {
        let mut hasher = blake3::Hasher::new_keyed(&self.key);
        hasher.update(b"faultline-cache-seal");
        hasher.update(&name.0);
        hasher.update(payload);
        hasher.finalize()
    }

    /// The model stored under `name`, when there is one whose seal checks out and that decodes.
    /// The name counts as used either way (a bad entry is rewritten under it).
    pub fn get(&self, name: &EntryName) -> Option<Model> {
        if self.disabled.load(Ordering::Relaxed) {
            return None;
        }
        self.used.lock().ok()?.insert(*name);
        let bytes = read_entry(&self.dir.join(name.hex())).ok()?;
        if bytes.len() < SEAL_LEN {
            return None;
        }
        let (seal, payload) = bytes.split_at(SEAL_LEN);
        let seal: [u8; SEAL_LEN] = seal.try_into().ok()?;
        // blake3::Hash compares in constant time.
        if blake3::Hash::from_bytes(seal) != self.seal(name, payload) {
            return None;
        }
        postcard::from_bytes(payload).ok()
    }

    /// Stores `model` under `name`. A failure to write turns the cache off with a note.
    pub fn put(&self, name: &EntryName, model: &Model) {
        if self.disabled.load(Ordering::Relaxed) {
            return;
        }
        let Ok(payload) = postcard::to_allocvec(model) else {
            return;
        };
        let seal = self.seal(name, &payload);
        let written = tempfile::NamedTempFile::new_in(&self.dir).and_then(|mut file| {
            file.write_all(seal.as_bytes())?;
            file.write_all(&payload)?;
            file.persist(self.dir.join(name.hex()))
                .map(drop)
                .map_err(|e| e.error)
        });
        if let Err(e) = written {
            self.disable(format!(
                "cache disabled: cannot write to {}: {}",
                crate::escape::visible_path(&self.root),
                e.kind()
            ));
        }
    }

    fn disable(&self, note: String) {
        self.disabled.store(true, Ordering::Relaxed);
        let _ = self.note.set(note);
    }

    /// Why the cache was turned off during the run, if it was.
    pub fn note(&self) -> Option<String> {
        self.note.get().cloned()
    }

    /// Removes the entries no file of this run used and the folders of other versions. Only
    /// for a run that read the whole tree without errors: otherwise a file not read this time
    /// would lose its entry.
    pub fn prune(&self) {
        if self.disabled.load(Ordering::Relaxed) {
            return;
        }
        let Ok(used) = self.used.lock() else {
            return;
        };
        let used: HashSet<String> = used.iter().map(EntryName::hex).collect();
        if let Ok(entries) = fs::read_dir(&self.dir) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                let Some(name) = name.to_str() else { continue };
                // Only entries: temporary files belong to runs still writing.
                let is_entry = name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit());
                if is_entry && !used.contains(name) {
                    let _ = fs::remove_file(entry.path());
                }
            }
        }
        let current = version_dir_name();
        if let Ok(entries) = fs::read_dir(&self.root) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                let Some(name) = name.to_str() else { continue };
                let other_version = name.starts_with(&format!("{FORMAT}-")) && name != current;
                let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
                if other_version && is_dir {
                    // remove_dir_all does not follow links inside the folder.
                    let _ = fs::remove_dir_all(entry.path());
                }
            }
        }
    }
}

/// Refuses a cache folder reached through a link: the folder itself and every folder between
/// it and the tree it lies in (a repository may commit `build -> /home/me/.ssh`).
fn refuse_links(dir: &Path) -> Result<(), &'static str> {
    let tree = crate::paths::tree_of(dir);
    let mut at = Some(dir);
    while let Some(d) = at {
        if !d.starts_with(&tree) || d == tree {
            break;
        }
        if fs::symlink_metadata(d).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err("is (or lies in) a symbolic link");
        }
        at = d.parent();
    }
    Ok(())
}

/// Creates `dir` (with its parents when `parents`), and checks that it is a folder, not a link.
fn make_dir(dir: &Path, parents: bool) -> io::Result<()> {
    let created = if parents {
        fs::create_dir_all(dir)
    } else {
        fs::create_dir(dir)
    };
    match created {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    let meta = fs::symlink_metadata(dir)?;
    if meta.file_type().is_symlink() || !meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a folder (or a symbolic link)",
        ));
    }
    Ok(())
}

/// Writes `path` atomically unless something is there already.
fn write_if_missing(path: &Path, contents: &[u8]) -> io::Result<()> {
    if fs::symlink_metadata(path).is_ok() {
        return Ok(());
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(contents)?;
    match file.persist_noclobber(path) {
        Ok(_) => Ok(()),
        Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e.error),
    }
}

/// Reads an entry without following a link: the path must be a regular file itself, and the
/// file opened must be the one looked at.
fn read_entry(path: &Path) -> io::Result<Vec<u8>> {
    let before = fs::symlink_metadata(path)?;
    if !before.file_type().is_file() || before.len() > MAX_ENTRY_BYTES {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "not an entry"));
    }
    let file = fs::File::open(path)?;
    let meta = file.metadata()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if (meta.dev(), meta.ino()) != (before.dev(), before.ino()) {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "replaced"));
        }
    }
    if !meta.is_file() || meta.len() > MAX_ENTRY_BYTES {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "not an entry"));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_ENTRY_BYTES).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// `$XDG_CACHE_HOME`, else `%LOCALAPPDATA%`, else `~/.cache`.
fn user_cache_home() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    var("XDG_CACHE_HOME")
        .or_else(|| var("LOCALAPPDATA"))
        .or_else(|| var("HOME").map(|h| h.join(".cache")))
}

/// The secret key in `dir/key`, created from the operating system's random source the first
/// time (readable by the user only).
fn secret_key(dir: &Path) -> io::Result<[u8; 32]> {
    let path = dir.join("key");
    if let Ok(key) = read_key(&path) {
        return Ok(key);
    }
    fs::create_dir_all(dir)?;
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| io::Error::other(e.to_string()))?;
    // NamedTempFile creates files readable by their owner only.
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(&key)?;
    match file.persist_noclobber(&path) {
        Ok(_) => Ok(key),
        // Another run created it first: use theirs.
        Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => read_key(&path),
        Err(e) => Err(e.error),
    }
}

fn read_key(path: &Path) -> io::Result<[u8; 32]> {
    let bytes = read_entry(path)?;
    bytes
        .try_into()
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "the key is not 32 bytes"))
}

/// What `faultline clean` did.
#[derive(Debug, PartialEq, Eq)]
pub enum Cleaned {
    Removed,
    Missing,
}

/// Removes the cache folder `dir`, only when it carries faultline's CACHEDIR.TAG and is not a
/// link.
pub fn clean(dir: &Path) -> Result<Cleaned, String> {
    let shown = crate::escape::visible_path(dir);
    let meta = match fs::symlink_metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Cleaned::Missing),
        Err(e) => return Err(format!("cannot read {shown}: {}", e.kind())),
    };
    if meta.file_type().is_symlink() || !meta.is_dir() {
        return Err(format!(
            "refusing to remove {shown}: it is not a folder (or is a symbolic link)"
        ));
    }
    let tagged = read_entry(&dir.join("CACHEDIR.TAG"))
        .is_ok_and(|t| String::from_utf8_lossy(&t).contains(TAG_MARK));
    if !tagged {
        return Err(format!(
            "refusing to remove {shown}: it has no CACHEDIR.TAG written by faultline"
        ));
    }
    fs::remove_dir_all(dir).map_err(|e| format!("cannot remove {shown}: {}", e.kind()))?;
    Ok(Cleaned::Removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_survives_the_round_trip_and_a_bad_seal_is_ignored() {
        let tmp = tempfile::tempdir().unwrap();
        let location = Location {
            dir: tmp.path().join("c"),
            trusted: true,
        };
        let cache = Cache::open(&location, "salt").unwrap();
        let source = b"def f():\n    return 1\n";
        let model =
            crate::lang::lower_within(Language::Python, source, std::time::Duration::from_secs(10))
                .unwrap();
        let name = cache.name(Language::Python, source);
        assert!(cache.get(&name).is_none());
        cache.put(&name, &model);
        let back = cache.get(&name).expect("stored");
        assert_eq!(format!("{back:?}"), format!("{model:?}"));
        let path = cache.dir.join(name.hex());
        let mut bytes = fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        fs::write(&path, &bytes).unwrap();
        assert!(cache.get(&name).is_none());
        // Another salt, another name.
        let other = Cache::open(&location, "other").unwrap();
        assert_ne!(other.name(Language::Python, source), name);
        assert!(tmp.path().join("c/key").exists());
        assert_eq!(clean(&location.dir), Ok(Cleaned::Removed));
        assert_eq!(clean(&location.dir), Ok(Cleaned::Missing));
    }
}
