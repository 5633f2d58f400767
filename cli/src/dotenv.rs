//! A small `.env` reader: `KEY=VALUE` lines, `#` comments, an optional `export `
//! prefix, values optionally in single quotes (literal) or double quotes (`\"`, `\\`,
//! `\n` escapes). It never touches the process environment.

/// What a `.env` text holds.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DotEnv {
    /// The variables in file order; a later line overrides an earlier one on lookup.
    pub entries: Vec<(String, String)>,
    /// Lines that could not be read, as `line N: reason`.
    pub problems: Vec<String>,
}

impl DotEnv {
    /// The value of `name`, from its last line.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Parses the text of a `.env` file.
pub fn parse(text: &str) -> DotEnv {
    let mut env = DotEnv::default();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_line(line) {
            Ok((key, value)) => env.entries.push((key.to_owned(), value)),
            Err(reason) => env.problems.push(format!("line {}: {reason}", index + 1)),
        }
    }
    env
}

fn parse_line(line: &str) -> Result<(&str, String), String> {
    let line = line.strip_prefix("export ").map(str::trim_start).unwrap_or(line);
    let (key, rest) = line.split_once('=').ok_or("expected KEY=VALUE")?;
    let key = key.trim();
    let valid_key = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid_key {
        return Err(format!("{key:?} is not a variable name"));
    }
    let rest = rest.trim_start();
    let (value, after) = if let Some(quoted) = rest.strip_prefix('\'') {
        let end = quoted.find('\'').ok_or("unterminated single quote")?;
        (quoted[..end].to_owned(), &quoted[end + 1..])
    } else if let Some(quoted) = rest.strip_prefix('"') {
        double_quoted(quoted)?
    } else {
        // An unquoted value ends at a comment that follows whitespace.
        let end = rest.find(" #").or_else(|| rest.find("\t#")).unwrap_or(rest.len());
        (rest[..end].trim_end().to_owned(), "")
    };
    let after = after.trim_start();
    if !after.is_empty() && !after.starts_with('#') {
        return Err("text after the closing quote".into());
    }
    Ok((key, value))
}

/// Reads a double-quoted value up to its closing quote; returns it and what follows.
fn double_quoted(text: &str) -> Result<(String, &str), String> {
    let mut value = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((value, &text[i + 1..])),
            '\\' => match chars.next().map(|(_, c)| c) {
                Some('n') => value.push('\n'),
                Some(other) => value.push(other),
                None => break,
            },
            c => value.push(c),
        }
    }
    Err("unterminated double quote (values span one line)".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_plain_quoted_exported_and_commented_lines() {
        let env = parse(
            "# app settings\n\
             SCALEKIT_CLIENT_ID=skc_1\n\
             export SCALEKIT_SCOPES=\"openid offline_access\"\n\
             \n\
             SINGLE='a \"literal\" #value'\n\
             DOUBLE=\"line\\nnext \\\"q\\\"\" # trailing comment\n\
             INLINE=value # comment\n\
             HASH=abc#def\n\
             EMPTY=\n\
             SPACED = padded  \n",
        );
        assert_eq!(env.problems, Vec::<String>::new());
        assert_eq!(env.get("SCALEKIT_CLIENT_ID"), Some("skc_1"));
        assert_eq!(env.get("SCALEKIT_SCOPES"), Some("openid offline_access"));
        assert_eq!(env.get("SINGLE"), Some("a \"literal\" #value"));
        assert_eq!(env.get("DOUBLE"), Some("line\nnext \"q\""));
        assert_eq!(env.get("INLINE"), Some("value"));
        assert_eq!(env.get("HASH"), Some("abc#def"));
        assert_eq!(env.get("EMPTY"), Some(""));
        assert_eq!(env.get("SPACED"), Some("padded"));
        assert_eq!(env.get("MISSING"), None);
    }

    #[test]
    fn a_later_line_wins() {
        let env = parse("A=1\nA=2\n");
        assert_eq!(env.get("A"), Some("2"));
    }

    #[test]
    fn bad_lines_are_reported_with_their_number() {
        let env = parse("GOOD=1\nnot a pair\n1BAD=x\nQ=\"open\nS='x' y\n");
        assert_eq!(env.get("GOOD"), Some("1"));
        assert_eq!(env.problems.len(), 4, "{:?}", env.problems);
        assert!(env.problems[0].starts_with("line 2: "));
        assert!(env.problems[1].starts_with("line 3: "));
        assert!(env.problems[2].contains("unterminated"));
        assert!(env.problems[3].contains("after the closing quote"));
    }
}
