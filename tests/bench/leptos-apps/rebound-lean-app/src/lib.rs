// The same page as rebound-app, built without `share` (see Cargo.toml).
include!("../../rebound-app/src/lib.rs");
