//! Prints the server's page for [`ssr_app::App`]: the app rendered with leptos `ssr` (as an
//! SSR app's server renders it for a request) in a shell that loads the hydrating build.

use leptos::prelude::*;
use ssr_app::App;

fn main() {
    let owner = Owner::new();
    let body = owner.with(|| view! { <App/> }.to_html());
    // The globals leptos' hydration reads (a leptos server's shell declares them too), then
    // the wasm-bindgen build of this crate with the `hydrate` feature, hydrating <body>.
    print!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Rebound SSR</title>\
         <script>window.__RESOLVED_RESOURCES=[];window.__SERIALIZED_ERRORS=[];window.__INCOMPLETE_CHUNKS=[];</script>\
         <script type=\"module\">import init, {{ hydrate }} from './pkg/ssr_app.js'; await init(); hydrate(); window.hydrated = true;</script>\
         </head><body>{body}</body></html>"
    );
}
