//! What a case folder shares with its cases: the folder defaults (`_defaults.yaml`) and the step
//! fragments (`_fragments/**/*.yaml`) of the case's folder and of every folder above it, up to
//! the suite's root (the first folder holding `clauses.yaml` or `paycheck.toml`).
//!
//! A folder's defaults start from its parent's: its variables and request parameters are added
//! (replacing those of the same name), its tags added, its `api` replaces the parent's. A
//! fragment in a nearer folder hides one of the same name further up.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value;
use serde_saphyr::Spanned;

use super::api::{self, API_NAMES, Api};
use super::case_format::{DefaultsDoc, FragmentDoc, OneOrMany};
use super::diagnostic::{Diagnostic, Diagnostics};
use super::source::{SourceFile, SourceSpan};
use super::{suggest, yaml};
use crate::template::environment;

/// The name of a folder's defaults file.
pub const DEFAULTS_FILE: &str = "_defaults.yaml";
/// The name of a folder's fragments folder.
pub const FRAGMENTS_DIR: &str = "_fragments";
/// Most files a fragments folder may hold (a bound on what loading reads).
const MAX_FRAGMENTS: usize = 1000;
/// What a project's case calls a fragment of the built-in suite by: `builtin/v1/register` is
/// `cases/v1/_fragments/register.yaml` of the built-in suite.
pub const BUILTIN_PREFIX: &str = "builtin/";
/// How deep under a shared suite's cases folder its fragments folders are looked for.
const MAX_SHARED_DEPTH: usize = 8;

/// True for the files that are not cases: defaults files and anything under a fragments folder.
pub fn is_shared_file(path: &Path) -> bool {
    path.file_name().is_some_and(|name| name == DEFAULTS_FILE)
        || path.components().any(|component| component.as_os_str() == FRAGMENTS_DIR)
}

/// A value with the file it was written in.
#[derive(Debug, Clone)]
pub struct FromFile<T> {
    /// The file.
    pub file: Arc<SourceFile>,
    /// The value, with its location in the file.
    pub value: Spanned<T>,
}

/// The defaults in force in a folder, its parents' included.
#[derive(Debug, Clone, Default)]
pub struct Defaults {
    /// The APIs, when a defaults file names them.
    pub apis: Option<Vec<Api>>,
    /// Tags every case gets.
    pub tags: Vec<String>,
    /// Variables every case gets, before its own.
    pub vars: IndexMap<String, FromFile<Value>>,
    /// Headers every API request carries.
    pub headers: IndexMap<String, FromFile<String>>,
    /// Query parameters every API request carries.
    pub query: IndexMap<String, FromFile<Value>>,
    /// Body parameters every API request with a map body (or none) carries.
    pub body: IndexMap<String, FromFile<Value>>,
    /// The defaults files, outermost first.
    pub files: Vec<Arc<SourceFile>>,
}

impl Defaults {
    /// Every name a request's `omit:` may give.
    pub fn parameter_names(&self) -> impl Iterator<Item = &str> {
        self.body.keys().chain(self.query.keys()).chain(self.headers.keys()).map(String::as_str)
    }

    /// True when there is nothing to apply.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// A fragment, as loaded.
#[derive(Debug)]
pub struct Fragment {
    /// Its name: the path under `_fragments/`, without `.yaml`.
    pub name: String,
    /// Its file.
    pub file: Arc<SourceFile>,
    /// Its content.
    pub doc: FragmentDoc,
    /// The fragments visible from it (its folder's).
    pub scope: Arc<Scope>,
}

/// What a case (or a fragment) in a folder sees.
#[derive(Debug, Default)]
pub struct Scope {
    /// The folder's defaults.
    pub defaults: Arc<Defaults>,
    /// The fragments by name, nearest first: resolved lazily because fragments see each other.
    pub fragments: BTreeMap<String, PathBuf>,
    /// Every fragment of the library, by file.
    pub all: Arc<HashMap<PathBuf, Arc<FragmentSlot>>>,
}

/// A fragment file, loaded once: its content, or the fact that it could not be loaded.
#[derive(Debug)]
pub struct FragmentSlot {
    /// The fragment, when its file parsed.
    pub fragment: std::sync::OnceLock<Option<Arc<Fragment>>>,
    name: String,
    file: Option<Arc<SourceFile>>,
    doc: Option<FragmentDoc>,
    dir: PathBuf,
}

impl Scope {
    /// The fragment called `name`, if this scope sees one.
    pub fn fragment(&self, name: &str, library: &Library) -> Option<Arc<Fragment>> {
        let path = self.fragments.get(name)?;
        let slot = self.all.get(path)?;
        slot.fragment
            .get_or_init(|| {
                let file = slot.file.clone()?;
                let doc = slot.doc.clone()?;
                Some(Arc::new(Fragment { name: slot.name.clone(), file, doc, scope: library.scope(&slot.dir) }))
            })
            .clone()
    }

    /// The names of the fragments this scope sees, for "did you mean".
    pub fn fragment_names(&self) -> impl Iterator<Item = &str> {
        self.fragments.keys().map(String::as_str)
    }
}

/// The defaults and fragments of every folder that holds a case to load.
#[derive(Debug, Default)]
pub struct Library {
    scopes: HashMap<PathBuf, Arc<Scope>>,
    empty: Arc<Scope>,
}

impl Library {
    /// Reads the defaults files and fragments above the given case files, each given with the
    /// folder its file names are shown relative to.
    pub fn load(case_files: &[(PathBuf, Option<&Path>)]) -> (Library, Diagnostics) {
        Library::load_beside(case_files, None)
    }

    /// [`Library::load`], with the fragments of a shared cases folder (the built-in suite's,
    /// shown relative to `shown_from`) callable from every case outside it as
    /// `builtin/<folder>/<name>`.
    pub fn load_beside(
        case_files: &[(PathBuf, Option<&Path>)],
        shared: Option<(&Path, Option<&Path>)>,
    ) -> (Library, Diagnostics) {
        let mut loader = Loader::default();
        for (file, shown_from) in case_files {
            if let Some(dir) = file.parent() {
                loader.shown_from = shown_from.map(Path::to_path_buf);
                loader.scope(dir);
            }
        }
        if let Some((root, shown_from)) = shared {
            loader.shown_from = shown_from.map(Path::to_path_buf);
            loader.share(root);
        }
        let all = Arc::new(std::mem::take(&mut loader.fragment_files));
        let scopes = loader
            .scopes
            .into_iter()
            .map(|(dir, (defaults, fragments))| (dir, Arc::new(Scope { defaults, fragments, all: Arc::clone(&all) })))
            .collect();
        (Library { scopes, empty: Arc::new(Scope::default()) }, loader.diagnostics)
    }

    /// What a case in `dir` sees.
    pub fn scope(&self, dir: &Path) -> Arc<Scope> {
        self.scopes.get(dir).cloned().unwrap_or_else(|| Arc::clone(&self.empty))
    }
}

type ScopeParts = (Arc<Defaults>, BTreeMap<String, PathBuf>);

#[derive(Default)]
struct Loader {
    shown_from: Option<PathBuf>,
    diagnostics: Diagnostics,
    scopes: HashMap<PathBuf, ScopeParts>,
    fragment_files: HashMap<PathBuf, Arc<FragmentSlot>>,
}

impl Loader {
    /// Offers the fragments under `root` to every scope outside it, as `builtin/<folder>/<name>`.
    fn share(&mut self, root: &Path) {
        let mut dirs: Vec<PathBuf> = ignore::WalkBuilder::new(root)
            .standard_filters(false)
            .hidden(true)
            .max_depth(Some(MAX_SHARED_DEPTH))
            .build()
            .filter_map(Result::ok)
            .map(|entry| entry.into_path())
            .filter(|path| path.is_dir() && path.file_name().is_some_and(|name| name == FRAGMENTS_DIR))
            .filter_map(|path| path.parent().map(Path::to_path_buf))
            .collect();
        dirs.sort();
        let mut offered = BTreeMap::new();
        for dir in dirs {
            let own = dir.join(FRAGMENTS_DIR);
            let folder = dir.strip_prefix(root).unwrap_or(&dir).to_path_buf();
            let (_, fragments) = self.scope(&dir);
            for (name, path) in fragments.into_iter().filter(|(_, path)| path.starts_with(&own)) {
                let mut shared = PathBuf::from(BUILTIN_PREFIX.trim_end_matches('/'));
                shared.push(&folder);
                shared.push(&name);
                let shared = shared.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>();
                offered.insert(shared.join("/"), path);
            }
        }
        for (dir, (_, fragments)) in self.scopes.iter_mut() {
            if !dir.starts_with(root) {
                fragments.extend(offered.iter().map(|(name, path)| (name.clone(), path.clone())));
            }
        }
    }

    fn scope(&mut self, dir: &Path) -> ScopeParts {
        if let Some(known) = self.scopes.get(dir) {
            return known.clone();
        }
        let is_root = dir.join("clauses.yaml").is_file() || dir.join("paycheck.toml").is_file();
        let parent = match dir.parent() {
            Some(parent) if !is_root && !parent.as_os_str().is_empty() => self.scope(parent),
            _ => (Arc::new(Defaults::default()), BTreeMap::new()),
        };
        let defaults_path = dir.join(DEFAULTS_FILE);
        let defaults = if defaults_path.is_file() {
            match self.read(&defaults_path).and_then(|file| self.defaults(&parent.0, &file)) {
                Some(defaults) => Arc::new(defaults),
                None => Arc::clone(&parent.0),
            }
        } else {
            Arc::clone(&parent.0)
        };
        let mut fragments = parent.1;
        let fragments_dir = dir.join(FRAGMENTS_DIR);
        if fragments_dir.is_dir() {
            let mut files: Vec<PathBuf> = super::discover::yaml_files(&fragments_dir).take(MAX_FRAGMENTS).collect();
            files.sort();
            for path in files {
                let relative = path.strip_prefix(&fragments_dir).unwrap_or(&path).with_extension("");
                let name = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
                let file = self.read(&path);
                let doc = file.as_ref().and_then(|file| match yaml::parse::<FragmentDoc>(file) {
                    Ok(doc) => Some(doc),
                    Err(error) => {
                        self.diagnostics.push(error);
                        None
                    }
                });
                let slot = FragmentSlot {
                    fragment: std::sync::OnceLock::new(),
                    name: name.clone(),
                    file,
                    doc,
                    dir: dir.to_path_buf(),
                };
                self.fragment_files.insert(path.clone(), Arc::new(slot));
                fragments.insert(name, path);
            }
        }
        let parts = (defaults, fragments);
        self.scopes.insert(dir.to_path_buf(), parts.clone());
        parts
    }

    fn read(&mut self, path: &Path) -> Option<Arc<SourceFile>> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let shown = self.shown_from.as_deref().and_then(|base| path.strip_prefix(base).ok()).unwrap_or(path);
                Some(SourceFile::new(shown, text))
            }
            Err(error) => {
                self.diagnostics.push(Diagnostic::in_file(path.display(), format!("cannot read: {error}")));
                None
            }
        }
    }

    /// Parses a defaults file and lays it over its parent's.
    fn defaults(&mut self, parent: &Defaults, file: &Arc<SourceFile>) -> Option<Defaults> {
        let doc: DefaultsDoc = match yaml::parse(file) {
            Ok(doc) => doc,
            Err(error) => {
                self.diagnostics.push(error);
                return None;
            }
        };
        let mut defaults = parent.clone();
        defaults.files.push(Arc::clone(file));
        if let Some(spec) = &doc.api {
            defaults.apis = Some(self.apis(file, spec));
        }
        for tag in &doc.tags {
            if !defaults.tags.contains(&tag.value) {
                defaults.tags.push(tag.value.clone());
            }
        }
        let from = |value: &Spanned<Value>| FromFile { file: Arc::clone(file), value: value.clone() };
        for (name, value) in &doc.vars {
            defaults.vars.insert(name.clone(), from(value));
        }
        if let Some(request) = &doc.request {
            for (name, value) in &request.value.headers {
                defaults.headers.insert(name.clone(), FromFile { file: Arc::clone(file), value: value.clone() });
            }
            for (name, value) in &request.value.query {
                defaults.query.insert(name.clone(), from(value));
            }
            for (name, value) in &request.value.body {
                defaults.body.insert(name.clone(), from(value));
            }
        }
        self.check_names(file, &doc, &defaults);
        Some(defaults)
    }

    fn apis(&mut self, file: &Arc<SourceFile>, spec: &Spanned<OneOrMany>) -> Vec<Api> {
        let mut apis = Vec::new();
        for name in spec.value.names() {
            match api::expand(name) {
                Some(expanded) => {
                    apis.extend(expanded.into_iter().filter(|api| !apis.contains(api)).collect::<Vec<_>>())
                }
                None => {
                    let help = suggest::did_you_mean(name, API_NAMES.iter().copied())
                        .unwrap_or_else(|| format!("APIs are: {}", API_NAMES.join(", ")));
                    self.diagnostics.push(
                        Diagnostic::at(
                            SourceSpan::from_location(file, &spec.referenced),
                            format!("unknown API `{name}`"),
                        )
                        .with_help(help),
                    );
                }
            }
        }
        apis.sort();
        apis.dedup();
        apis
    }

    /// A defaults file's templates may read the runner's namespaces and functions and the
    /// defaults' own variables (a case's variables are not known to every case of the folder).
    fn check_names(&mut self, file: &Arc<SourceFile>, doc: &DefaultsDoc, defaults: &Defaults) {
        let mut known: Vec<&str> = environment::NAMESPACES.iter().chain(environment::FUNCTIONS).copied().collect();
        known.extend(defaults.vars.keys().map(String::as_str));
        let mut values: Vec<&Spanned<Value>> = doc.vars.values().collect();
        if let Some(request) = &doc.request {
            values.extend(request.value.query.values());
            values.extend(request.value.body.values());
        }
        let headers = doc.request.iter().flat_map(|request| request.value.headers.values());
        let texts = values
            .into_iter()
            .map(|value| (value.referenced, value.value.clone()))
            .chain(headers.map(|header| (header.referenced, Value::String(header.value.clone()))));
        for (location, value) in texts {
            let mut names = Vec::new();
            collect_names(&value, &mut names);
            for name in names.into_iter().filter(|name| !known.contains(&name.as_str())) {
                let help = suggest::did_you_mean(&name, known.iter().copied())
                    .unwrap_or_else(|| "a defaults file reads the runner's namespaces and its own `vars`".into());
                self.diagnostics.push(
                    Diagnostic::at(SourceSpan::from_location(file, &location), format!("unknown variable `{name}`"))
                        .with_label("not defined in a defaults file")
                        .with_help(help),
                );
            }
        }
    }
}

/// The names a value's templates read.
fn collect_names(value: &Value, names: &mut Vec<String>) {
    match value {
        Value::String(text) if text.contains("{{") => {
            if let Ok(template) = crate::template::Template::compile(text) {
                for path in template.variables() {
                    names.push(path.split('.').next().unwrap_or(&path).to_string());
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_names(item, names)),
        Value::Object(map) => map.values().for_each(|item| collect_names(item, names)),
        _ => {}
    }
}
