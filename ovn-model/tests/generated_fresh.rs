//! Checks that the generated modules in `src/` are what the generator makes of the vendored
//! schemas in `schemas/`, and rewrites them when asked:
//!
//! ```sh
//! UPDATE_GENERATED=1 cargo test -p ovn-model --test generated_fresh
//! ```
//!
//! (If a checked-in module no longer compiles, empty the file first: the library must build
//! for this test to run.)

use std::path::{Path, PathBuf};

use ovsdb_client::codegen::{Options, generate};
use ovsdb_client::schema::DatabaseSchema;

/// (schema file in `schemas/`, module file in `ovn-model/src/`).
const MODULES: &[(&str, &str)] = &[
    ("ovn-nb.ovsschema", "nb.rs"),
    ("ovn-sb.ovsschema", "sb.rs"),
    ("vswitch.ovsschema", "vswitch.rs"),
];

const COMMAND: &str = "UPDATE_GENERATED=1 cargo test -p ovn-model --test generated_fresh";

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn schema_path(file: &str) -> PathBuf {
    crate_dir().join("../schemas").join(file)
}

/// The module text for a vendored schema, exactly as checked in.
fn expected(schema_file: &str) -> String {
    let path = schema_path(schema_file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let schema = DatabaseSchema::from_json(&text)
        .unwrap_or_else(|e| panic!("{} is not a valid schema: {e}", path.display()));
    let options = Options {
        source: format!("schemas/{schema_file}"),
        schema_path: Some(format!("../../schemas/{schema_file}")),
        notes: vec![format!("Regenerate: {COMMAND}")],
        ..Options::default()
    };
    generate(&schema, &options)
}

#[test]
fn generated_modules_are_fresh() {
    let update = std::env::var_os("UPDATE_GENERATED").is_some_and(|v| !v.is_empty() && v != "0");
    let mut stale = Vec::new();
    for (schema_file, module) in MODULES {
        let want = expected(schema_file);
        let path = crate_dir().join("src").join(module);
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        if have == want {
            continue;
        }
        if update {
            std::fs::write(&path, &want)
                .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
            eprintln!("regenerated {}", path.display());
        } else {
            stale.push(format!(
                "ovn-model/src/{module} (from schemas/{schema_file})"
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "generated bindings are stale: {}\nregenerate them with:\n    {COMMAND}",
        stale.join(", ")
    );
}

#[test]
fn generation_is_deterministic() {
    for (schema_file, _) in MODULES {
        assert_eq!(expected(schema_file), expected(schema_file));
    }
}
