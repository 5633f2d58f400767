//! Token claims for JavaScript: JSON objects with every claim an own property.

use napi::bindgen_prelude::{Function, JsObjectValue, JsValue, Object, ToNapiValue, TypeName, Unknown};
use napi::{Env, ValueType, sys};
use serde_json::Value;

/// JSON (claims) for JavaScript, built so that no key is special: one `JSON.parse` in V8
/// defines every key of an object as an own data property. (napi's own conversion of
/// `serde_json::Value` assigns, and assigning a key named `__proto__` runs the
/// `Object.prototype.__proto__` setter: a token carrying `"__proto__": {...}` would replace
/// the claims object's prototype instead of adding a claim.) One parse is also several
/// times faster than building the object a property at a time across napi.
pub struct Json(String);

impl Json {
    /// The claims of a token (see `Claims::to_json`).
    pub(crate) fn claims(c: &scalekit_auth::Claims) -> Self {
        Json(c.to_json().to_owned())
    }

    pub(crate) fn value(v: &Value) -> Self {
        Json(v.to_string())
    }
}

impl TypeName for Json {
    fn type_name() -> &'static str {
        "Object"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ToNapiValue for Json {
    unsafe fn to_napi_value(raw_env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        let env = Env::from_raw(raw_env);
        let json: Object = env.get_global()?.get_named_property("JSON")?;
        let parse: Function<String, Unknown> = json.get_named_property("parse")?;
        Ok(parse.call(val.0)?.raw())
    }
}
