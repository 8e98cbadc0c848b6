//! YAML as `kubectl get -o yaml` prints it: keys sorted, two-space indents,
//! sequences at their parent's indent, and strings quoted when YAML would
//! read them as something else (`"True"`, `"2"`, timestamps, `""`).

use serde::ser::{self, Serialize};
use std::fmt::{self, Write};

/// Renders a value as a YAML document (no leading `---`).
pub fn to_yaml<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = String::with_capacity(2048);
    value
        .serialize(Ser {
            out: &mut out,
            at: At::Top,
            pool: &mut Pool::default(),
        })
        .expect("every value renders as YAML");
    out
}

/// Writes many values with one set of scratch buffers.
#[derive(Default)]
pub struct Writer {
    pool: Pool,
}

impl Writer {
    /// Appends `value` as one item of a top-level sequence (`- ` at column 0).
    pub fn item<T: Serialize + ?Sized>(&mut self, out: &mut String, value: &T) {
        out.push_str("- ");
        value
            .serialize(Ser {
                out,
                at: At::Item(0),
                pool: &mut self.pool,
            })
            .expect("every value renders as YAML");
    }

    /// Appends `value` as it follows `key:` in a map whose keys sit at
    /// column `indent`: ` scalar` on the same line, or a block on the next.
    pub fn value<T: Serialize + ?Sized>(&mut self, out: &mut String, indent: usize, value: &T) {
        value
            .serialize(Ser {
                out,
                at: At::AfterKey(indent),
                pool: &mut self.pool,
            })
            .expect("every value renders as YAML");
    }
}

type Span = std::ops::Range<usize>;

/// A map entry's key: a struct field's name, or a span of `Pool::text`.
#[derive(Clone, Copy)]
enum Key {
    Field(&'static str),
    Text(u32, u32),
}

impl Key {
    fn as_str(self, text: &str) -> &str {
        match self {
            Key::Field(f) => f,
            Key::Text(a, b) => &text[a as usize..b as usize],
        }
    }
}

/// Whether key `a` sorts before key `b` (most neighbours differ in their first byte).
fn key_less(text: &str, a: Key, b: Key) -> bool {
    let (a, b) = (a.as_str(text).as_bytes(), b.as_str(text).as_bytes());
    match (a.first(), b.first()) {
        (Some(x), Some(y)) if x != y => x < y,
        _ => a < b,
    }
}

/// The entries of the maps being written, as a stack: each map's entries
/// sit above those of the map it is nested in, and go when it ends. For each
/// entry, its key and the span of `out` holding the text after `key:`.
#[derive(Default)]
struct Pool {
    entries: Vec<(Key, Span)>,
    /// The text of map keys that are not struct fields, stacked the same way.
    text: String,
    /// Scratch for re-sorting a map.
    moved: String,
}

/// Where a value is written, which decides its line breaks and indents.
#[derive(Clone, Copy)]
enum At {
    /// The whole document.
    Top,
    /// After `key:` whose key sits at this indent.
    AfterKey(usize),
    /// After `- ` whose dash sits at this indent.
    Item(usize),
}

/// The serializer's only error: a shape YAML output here has no use for.
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

const SPACES: &str = "                                                                ";

fn indent(out: &mut String, mut n: usize) {
    while n > SPACES.len() {
        out.push_str(SPACES);
        n -= SPACES.len();
    }
    out.push_str(&SPACES[..n]);
}

/// Writes YAML straight from `Serialize`, without building a value tree; maps
/// and structs are buffered only to sort their keys, as kubectl prints them.
struct Ser<'o> {
    out: &'o mut String,
    at: At,
    pool: &'o mut Pool,
}

impl<'o> Ser<'o> {
    fn scalar(self, s: &str) -> Result<(), Error> {
        if let At::AfterKey(_) = self.at {
            self.out.push(' ');
        }
        self.out.push_str(s);
        self.out.push('\n');
        Ok(())
    }

    fn string(self, s: &str) -> Result<(), Error> {
        if let At::AfterKey(_) = self.at {
            self.out.push(' ');
        }
        push_scalar_str(self.out, s);
        self.out.push('\n');
        Ok(())
    }

    fn integer(self, v: impl itoa::Integer) -> Result<(), Error> {
        self.scalar(itoa::Buffer::new().format(v))
    }

    fn map(self) -> MapW<'o> {
        MapW {
            start: self.out.len(),
            base: self.pool.entries.len(),
            text_base: self.pool.text.len(),
            out: self.out,
            at: self.at,
            sorted: true,
            pool: self.pool,
            pending: None,
        }
    }

    fn seq(self) -> SeqW<'o> {
        SeqW {
            out: self.out,
            at: self.at,
            pool: self.pool,
            empty: true,
        }
    }
}

/// Appends a string scalar, quoted when a plain one would read back as something else.
fn push_scalar_str(out: &mut String, s: &str) {
    // Every Job has several timestamps: quoted, and nothing in them to escape.
    if is_rfc3339_seconds(s) {
        debug_assert!(needs_quotes(s));
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else if needs_quotes(s) {
        quote_into(out, s);
    } else {
        out.push_str(s);
    }
}

/// Serializer methods for integer types, each passed to the implementor's `integer`.
macro_rules! integers {
    ($($method:ident: $t:ty),*) => {
        $(fn $method(self, v: $t) -> Result<Self::Ok, Error> {
            self.integer(v)
        })*
    };
}

impl<'o> ser::Serializer for Ser<'o> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = SeqW<'o>;
    type SerializeTuple = SeqW<'o>;
    type SerializeTupleStruct = SeqW<'o>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = MapW<'o>;
    type SerializeStruct = MapW<'o>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.scalar(if v { "true" } else { "false" })
    }
    integers!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64);
    integers!(serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64);
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.serialize_f64(v as f64)
    }
    /// As JSON numbers print (`1.0`, `0.25`); non-finite values are `null`, as in JSON.
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        match serde_json::Number::from_f64(v) {
            Some(n) => self.scalar(&n.to_string()),
            None => self.scalar("null"),
        }
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.string(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.string(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        use ser::SerializeSeq;
        let mut s = self.seq();
        for b in v {
            s.serialize_element(b)?;
        }
        s.end()
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.scalar("null")
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.scalar("null")
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.scalar("null")
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<(), Error> {
        self.string(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        use ser::SerializeMap;
        let mut m = self.map();
        m.serialize_entry(variant, v)?;
        m.end()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<SeqW<'o>, Error> {
        Ok(self.seq())
    }
    fn serialize_tuple(self, _: usize) -> Result<SeqW<'o>, Error> {
        Ok(self.seq())
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<SeqW<'o>, Error> {
        Ok(self.seq())
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(Error(format!("{name}: tuple variants have no YAML form here")))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<MapW<'o>, Error> {
        Ok(self.map())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<MapW<'o>, Error> {
        Ok(self.map())
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(Error(format!("{name}: struct variants have no YAML form here")))
    }
}

/// A sequence: items are written as they come, each after `- `.
struct SeqW<'o> {
    out: &'o mut String,
    at: At,
    pool: &'o mut Pool,
    empty: bool,
}

impl SeqW<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        let level = match self.at {
            At::Top => 0,
            At::AfterKey(l) => l,
            At::Item(l) => l + 2,
        };
        if std::mem::take(&mut self.empty) && !matches!(self.at, At::Top) {
            self.out.push('\n');
        }
        indent(self.out, level);
        self.out.push_str("- ");
        v.serialize(Ser {
            out: self.out,
            at: At::Item(level),
            pool: self.pool,
        })
    }

    fn finish(self) -> Result<(), Error> {
        if self.empty {
            Ser {
                out: self.out,
                at: self.at,
                pool: self.pool,
            }
            .scalar("[]")?;
        }
        Ok(())
    }
}

/// The three sequence shapes serde distinguishes all render alike.
macro_rules! sequence {
    ($trait_:ident, $method:ident) => {
        impl ser::$trait_ for SeqW<'_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
                self.element(v)
            }
            fn end(self) -> Result<(), Error> {
                self.finish()
            }
        }
    };
}

sequence!(SerializeSeq, serialize_element);
sequence!(SerializeTuple, serialize_element);
sequence!(SerializeTupleStruct, serialize_field);

/// A map or struct. Entries are written straight to `out` as they come; keys
/// almost always arrive sorted (struct fields are declared in key order, and
/// label maps are B-trees). Only when one arrives out of order is the map's
/// text moved aside and written again sorted (the last of equal keys wins, as
/// in a JSON object).
struct MapW<'o> {
    out: &'o mut String,
    at: At,
    /// Where this map's text starts in `out`.
    start: usize,
    /// Where this map's entries start in `pool.entries`.
    base: usize,
    /// Where this map's key text starts in `pool.text`.
    text_base: usize,
    /// The keys so far are strictly increasing.
    sorted: bool,
    pool: &'o mut Pool,
    /// The key `serialize_key` gave for the value to come.
    pending: Option<Key>,
}

impl MapW<'_> {
    fn level(&self) -> usize {
        match self.at {
            At::Top => 0,
            At::AfterKey(l) | At::Item(l) => l + 2,
        }
    }

    /// Writes `key: value`. A struct field's name is an identifier that never
    /// needs quotes; other keys are quoted as strings are.
    fn entry<T: Serialize + ?Sized>(&mut self, key: Key, v: &T) -> Result<(), Error> {
        let level = self.level();
        let pool = &mut *self.pool;
        match pool.entries.last() {
            Some(&(last, _)) if pool.entries.len() > self.base => {
                self.sorted &= key_less(&pool.text, last, key);
                indent(self.out, level);
            }
            // The first entry: on a new line after `key:`; after `- ` it
            // shares the dash's line, and at the top there is no indent.
            _ => {
                if let At::AfterKey(_) = self.at {
                    self.out.push('\n');
                    indent(self.out, level);
                }
            }
        }
        match key {
            Key::Field(f) => {
                debug_assert!(!needs_quotes(f));
                self.out.push_str(f);
            }
            Key::Text(..) => push_scalar_str(self.out, key.as_str(&pool.text)),
        }
        self.out.push(':');
        let start = self.out.len();
        v.serialize(Ser {
            out: self.out,
            at: At::AfterKey(level),
            pool: &mut *pool,
        })?;
        pool.entries.push((key, start..self.out.len()));
        Ok(())
    }

    fn finish(mut self) -> Result<(), Error> {
        let empty = self.pool.entries.len() == self.base;
        if !self.sorted {
            self.rewrite_sorted();
        }
        self.pool.entries.truncate(self.base);
        self.pool.text.truncate(self.text_base);
        if empty {
            return Ser {
                out: self.out,
                at: self.at,
                pool: self.pool,
            }
            .scalar("{}");
        }
        Ok(())
    }

    /// Moves the map's text aside and writes its entries again, sorted by key.
    fn rewrite_sorted(&mut self) {
        let level = self.level();
        let Pool { entries, text, moved } = &mut *self.pool;
        moved.clear();
        moved.push_str(&self.out[self.start..]);
        self.out.truncate(self.start);
        let entries = &mut entries[self.base..];
        // Stable: among equal keys the last added ends up last; keep only it.
        entries.sort_by(|a, b| a.0.as_str(text).cmp(b.0.as_str(text)));
        if let At::AfterKey(_) = self.at {
            self.out.push('\n');
        }
        let n = entries.len();
        let mut first = matches!(self.at, At::Item(_));
        for (i, &(k, ref value)) in entries.iter().enumerate() {
            if i + 1 < n && entries[i + 1].0.as_str(text) == k.as_str(text) {
                continue;
            }
            if !std::mem::take(&mut first) {
                indent(self.out, level);
            }
            push_scalar_str(self.out, k.as_str(text));
            self.out.push(':');
            self.out
                .push_str(&moved[value.start - self.start..value.end - self.start]);
        }
    }
}

impl ser::SerializeStruct for MapW<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> Result<(), Error> {
        self.entry(Key::Field(key), v)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeMap for MapW<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        let text = &mut self.pool.text;
        let start = text.len();
        key.serialize(KeySer(text))?;
        self.pending = Some(Key::Text(start as u32, text.len() as u32));
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        let key = self
            .pending
            .take()
            .ok_or_else(|| Error("map value without a key".into()))?;
        self.entry(key, v)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

/// Map keys: strings, or numbers and booleans written as strings (as JSON keys are),
/// appended to the map's key text.
struct KeySer<'k>(&'k mut String);

impl KeySer<'_> {
    fn integer(self, v: impl itoa::Integer) -> Result<(), Error> {
        self.0.push_str(itoa::Buffer::new().format(v));
        Ok(())
    }
}

fn not_a_key<T>() -> Result<T, Error> {
    Err(Error("a map key must be a string".into()))
}

impl ser::Serializer for KeySer<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.0.push_str(v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.0.push(v);
        Ok(())
    }
    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.0.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    integers!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64);
    integers!(serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64);
    fn serialize_f32(self, _: f32) -> Result<(), Error> {
        not_a_key()
    }
    fn serialize_f64(self, _: f64) -> Result<(), Error> {
        not_a_key()
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Error> {
        not_a_key()
    }
    fn serialize_none(self) -> Result<(), Error> {
        not_a_key()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        not_a_key()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        not_a_key()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<(), Error> {
        self.0.push_str(variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        not_a_key()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        not_a_key()
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        not_a_key()
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, Error> {
        not_a_key()
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        not_a_key()
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        not_a_key()
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        not_a_key()
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        not_a_key()
    }
}

/// Bytes of plain prose: `PLAIN`, and space and `,()=`.
const PROSE: [bool; 256] = {
    let mut t = PLAIN;
    t[b' ' as usize] = true;
    t[b',' as usize] = true;
    t[b'(' as usize] = true;
    t[b')' as usize] = true;
    t[b'=' as usize] = true;
    t
};

/// Bytes a plain word may hold: letters, digits and `-_./`.
const PLAIN: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/');
        c += 1;
    }
    t
};

/// Whether a plain scalar would not read back as this string.
pub fn needs_quotes(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(&first) = b.first() else { return true };
    // Fast paths, each equal to the general rules below for the strings it
    // takes (but for words like `e5`, which the general rule quotes to be
    // safe and YAML reads as strings anyway). Names and messages: a letter
    // first, then letters, digits, spaces and `-_./,()=`, and no space last;
    // these are plain unless YAML's boolean or null words.
    if first.is_ascii_alphabetic() && b.iter().all(|&c| PROSE[c as usize]) && b[b.len() - 1] != b' ' {
        return is_special_word(s);
    }
    // UIDs and single indexes or ranges: a digit first, then letters, digits
    // and `-_./`; only a timestamp or a number needs quotes.
    if first.is_ascii_digit() && b.iter().all(|&c| PLAIN[c as usize]) {
        return looks_like_timestamp(s) || looks_numeric(s);
    }
    needs_quotes_in_general(s)
}

/// The quoting rules for any string.
fn needs_quotes_in_general(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(&first) = b.first() else { return true };
    // Timestamps first: every Job has several, and they always need quotes.
    if looks_like_timestamp(s) || s.trim() != s || is_special_word(s) || looks_numeric(s) {
        return true;
    }
    // A leading indicator character changes the meaning, except a dash that
    // starts a word (`-wle`, `-Mbignum=bpi`).
    let first = first as char;
    let dash_word = first == '-' && s.len() > 1 && !s[1..].starts_with(' ');
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) && !dash_word {
        return true;
    }
    b.windows(2).any(|w| w == b": " || w == b" #") || s.ends_with(':') || has_control(s)
}

fn has_control(s: &str) -> bool {
    if s.is_ascii() {
        s.bytes().any(|c| c.is_ascii_control())
    } else {
        s.chars().any(char::is_control)
    }
}

/// YAML 1.1 booleans and nulls, in any case.
fn is_special_word(s: &str) -> bool {
    s.len() <= 5
        && ["true", "false", "yes", "no", "y", "n", "on", "off", "null", "~"]
            .iter()
            .any(|w| w.eq_ignore_ascii_case(s))
}

fn looks_numeric(s: &str) -> bool {
    let t = s.strip_prefix(['+', '-']).unwrap_or(s);
    if t.is_empty() {
        return false;
    }
    if [".inf", ".nan"].iter().any(|w| w.eq_ignore_ascii_case(t))
        || t.len() > 1 && t.as_bytes()[0] == b'0' && matches!(t.as_bytes()[1], b'x' | b'X' | b'o' | b'O')
    {
        return true;
    }
    // Integers (also with `_` as YAML 1.1 allows), decimals and exponents.
    let mut seen_digit = false;
    for c in t.bytes() {
        match c {
            b'0'..=b'9' => seen_digit = true,
            b'.' | b'e' | b'E' | b'_' | b'+' | b'-' => {}
            _ => return false,
        }
    }
    seen_digit
}

/// RFC 3339 in UTC to the second, as Kubernetes writes times
/// (`2026-01-01T00:00:00Z`): a timestamp to YAML, with nothing to escape.
fn is_rfc3339_seconds(s: &str) -> bool {
    const DIGIT: u8 = b'0';
    const SHAPE: &[u8; 20] = b"0000-00-00T00:00:00Z";
    s.len() == 20
        && s.bytes()
            .zip(SHAPE)
            .all(|(c, &want)| if want == DIGIT { c.is_ascii_digit() } else { c == want })
}

fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
}

/// Bytes that may need an escape in a double-quoted scalar: `"`, `\\`, ASCII
/// controls, and every non-ASCII byte (a few characters there are controls).
const MAY_ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = c < 0x20 || c >= 0x7f || c == b'"' as usize || c == b'\\' as usize;
        c += 1;
    }
    t
};

fn quote_into(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    if !s.bytes().any(|b| MAY_ESCAPE[b as usize]) {
        out.push_str(s);
        out.push('"');
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{JobCondition, JobStatus, Time, Uid, UncountedTerminatedPods};
    use proptest::prelude::*;
    use serde_json::{Value, json};

    #[test]
    fn renders_like_kubectl() {
        let v = json!({
            "apiVersion": "v1",
            "items": [{"kind": "Job", "status": {"conditions": [{"status": "True", "type": "Complete"}], "completedIndexes": "1,3-5", "failedIndexes": "", "ready": 0, "startTime": "2026-01-01T00:00:00Z"}, "spec": {"template": {"spec": {"containers": [{"command": ["perl", "-wle"], "name": "pi"}]}}, "selector": {}}}],
            "kind": "List"
        });
        let want = r#"apiVersion: v1
items:
- kind: Job
  spec:
    selector: {}
    template:
      spec:
        containers:
        - command:
          - perl
          - -wle
          name: pi
  status:
    completedIndexes: 1,3-5
    conditions:
    - status: "True"
      type: Complete
    failedIndexes: ""
    ready: 0
    startTime: "2026-01-01T00:00:00Z"
kind: List
"#;
        assert_eq!(to_yaml(&v), want);
    }

    #[test]
    fn quotes_what_would_change_type() {
        for s in [
            "2",
            "0",
            "True",
            "no",
            "",
            " x",
            "1e3",
            "a: b",
            "-",
            "2026-01-01T00:00:00Z",
            "*x",
        ] {
            assert!(needs_quotes(s), "{s:?} should be quoted");
        }
        for s in [
            "1,3-5",
            "pi",
            "batch/v1",
            "Job has reached the specified backoff limit",
            "-Mbignum=bpi",
            "perl:5.34.0",
        ] {
            assert!(!needs_quotes(s), "{s:?} should be plain");
        }
    }

    #[test]
    fn fast_paths_agree_with_the_general_rules() {
        for s in [
            "Job has reached the specified backoff limit",
            "Job was active longer than specified deadline",
            "7499be2c-ba0e-432d-80e2-e2d92baa6390",
            "2026-01-01T00:00:00Z",
            "12",
            "1.5",
            "0x1f",
            "1e3",
            "3-5",
            "batch-147",
            "registry.example/batch:1",
            "No",
            "on",
            "Null",
            "a b ",
            "a (b), c=d",
            "a: b",
            "a #b",
            "x,y",
            "default-scheduler",
        ] {
            assert_eq!(needs_quotes(s), needs_quotes_in_general(s), "{s:?}");
        }
    }

    #[test]
    fn output_reads_back_identically() {
        let v = json!({"a": ["2", "True", "", "x y", {"b": "1,2", "c": [1, 2.5, true, null]}], "d": {"e": "2026-01-01T00:00:00Z"}});
        let back: Value = serde_saphyr::from_str(&to_yaml(&v)).unwrap();
        assert_eq!(back, v);
    }

    /// Typed values (struct fields in declaration order, flattened unknown
    /// fields, `None`) render exactly as their JSON tree does: keys sorted.
    #[test]
    fn typed_values_render_as_their_json_tree() {
        let job: crate::api::Job = serde_json::from_value(json!({
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "pi", "labels": {"b": "2", "a": "True"}, "zzUnknown": {"x": [1, 2.5]}},
            "spec": {"completions": 3, "template": {"spec": {"containers": [{"name": "pi", "command": ["perl", "-wle"], "args": []}], "restartPolicy": "Never"}}},
            "status": {"conditions": [{"type": "Complete", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"}], "completedIndexes": "1"}
        }))
        .unwrap();
        let tree = serde_json::to_value(&job).unwrap();
        assert_eq!(to_yaml(&job), to_yaml(&tree));
        let mut item = String::new();
        Writer::default().item(&mut item, &job);
        assert_eq!(item, to_yaml(&Value::Array(vec![tree])));
        assert!(
            item.contains("  metadata:\n    labels:\n      a: \"True\"\n      b: \"2\"\n"),
            "{item}"
        );
        assert!(
            item.contains("        - args: []\n          command:\n          - perl\n          - -wle\n"),
            "{item}"
        );
    }

    /// The escapes of a double-quoted scalar, character by character.
    fn quoted_slowly(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    /// Strings the quoting rules treat differently, and plain ones.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            Just("True".to_string()),
            Just("2".to_string()),
            Just("1,3-5".to_string()),
            Just("a: b".to_string()),
            Just("Job has reached the specified backoff limit".to_string()),
            Just("7499be2c-ba0e-432d-80e2-e2d92baa6390".to_string()),
            Just("2026-01-01T00:00:00Z".to_string()),
            Just("2026-01-01T00:00:00.5Z".to_string()),
            Just("2026-01-01T00:00:00Z ".to_string()),
            Just("2026-01-01T00:0a:00Z".to_string()),
            "[0-9T:Z-]{18,21}",
            "[ -~]{0,12}",
            "\\PC{0,6}",
            "[\\x00-\\x1f\\x7f\\u{80}-\\u{9f}\"\\\\a ]{0,6}",
        ]
    }

    fn time() -> impl Strategy<Value = Option<Time>> {
        // Mostly this century; some past year 9999, whose RFC 3339 is longer.
        let millis = prop_oneof![4 => 0i64..4_000_000_000_000, 1 => 253_402_300_800_000i64..320_000_000_000_000];
        proptest::option::of(millis.prop_map(Time::from_millis))
    }

    fn condition() -> impl Strategy<Value = JobCondition> {
        (time(), time(), text(), text(), text(), text()).prop_map(|(p, t, m, r, s, ty)| JobCondition {
            last_probe_time: p,
            last_transition_time: t,
            message: m.into(),
            reason: r.into(),
            status: s.into(),
            type_: ty.into(),
        })
    }

    fn status() -> impl Strategy<Value = JobStatus> {
        (
            (-2i32..3, text(), time(), proptest::collection::vec(condition(), 0..3)),
            (
                -2i32..3,
                proptest::option::of(text()),
                proptest::option::of(-1i32..3),
                time(),
            ),
            (
                -2i32..3,
                proptest::option::of(-1i32..3),
                proptest::option::of((
                    proptest::collection::vec(text(), 0..3),
                    proptest::collection::vec(text(), 0..3),
                )),
            ),
        )
            .prop_map(
                |((active, ci, ct, conditions), (failed, fi, ready, st), (succeeded, terminating, u))| JobStatus {
                    active,
                    completed_indexes: ci,
                    completion_time: ct,
                    conditions,
                    failed,
                    failed_indexes: fi,
                    ready,
                    start_time: st,
                    succeeded,
                    terminating,
                    uncounted_terminated_pods: u.map(|(failed, succeeded): (Vec<String>, Vec<String>)| {
                        UncountedTerminatedPods {
                            failed: failed.into_iter().map(Uid::from).collect(),
                            succeeded: succeeded.into_iter().map(Uid::from).collect(),
                        }
                    }),
                },
            )
    }

    proptest! {
        /// A string is written plain exactly when the quoting rules allow,
        /// else quoted with every escape it needs (the shortcuts for
        /// timestamps and for strings with nothing to escape included), and
        /// reads back as itself.
        #[test]
        fn strings_are_quoted_by_the_rules_and_read_back(s in text()) {
            let mut out = String::new();
            push_scalar_str(&mut out, &s);
            let want = if needs_quotes(&s) { quoted_slowly(&s) } else { s.clone() };
            prop_assert_eq!(&out, &want);
            let back: Value = serde_saphyr::from_str(&to_yaml(&json!({"k": s}))).unwrap();
            prop_assert_eq!(&back["k"], &Value::String(s));
        }

        /// A Job status, as it follows `status:` in a `jobs.yaml` item: its
        /// fields (written as struct fields) give the text its JSON tree (a
        /// map with sorted keys) gives, and that text reads back as the tree.
        #[test]
        fn statuses_render_as_their_json_tree_and_read_back(s in status()) {
            let tree = serde_json::to_value(&s).unwrap();
            let mut w = Writer::default();
            let mut typed = String::new();
            w.value(&mut typed, 2, &s);
            let mut from_tree = String::new();
            w.value(&mut from_tree, 2, &tree);
            prop_assert_eq!(&typed, &from_tree);
            let doc = format!("status:{typed}");
            let back: Value = serde_saphyr::from_str(&doc).unwrap();
            prop_assert_eq!(&back["status"], &tree);
        }
    }

    #[test]
    fn an_empty_status_is_an_empty_map() {
        let mut out = String::new();
        Writer::default().value(&mut out, 2, &JobStatus::default());
        assert_eq!(out, " {}\n");
    }
}
