//! Where a value sits in the document being validated, kept on the stack as a linked list so
//! that walking valid input allocates nothing; the pointer text is built only for a violation.

/// A position in the value being validated.
#[derive(Clone, Copy, Debug)]
pub enum Path<'a> {
    /// The value itself: pointer `""`.
    Root,
    /// A field of the parent, by its serde wire name.
    Field(&'a Path<'a>, &'static str),
    /// An item of the parent list.
    Index(&'a Path<'a>, usize),
}

impl<'a> Path<'a> {
    /// The path of a field of this value.
    pub fn field(&'a self, name: &'static str) -> Path<'a> {
        Path::Field(self, name)
    }

    /// The path of an item of this list.
    pub fn index(&'a self, index: usize) -> Path<'a> {
        Path::Index(self, index)
    }

    /// The RFC 6901 JSON pointer, e.g. `/bgp/extra_prefixes/2`.
    pub fn to_pointer(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Path::Root => {}
            Path::Field(parent, name) => {
                parent.write(out);
                out.push('/');
                out.push_str(&name.replace('~', "~0").replace('/', "~1"));
            }
            Path::Index(parent, index) => {
                parent.write(out);
                out.push('/');
                out.push_str(&index.to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Path;

    #[test]
    fn pointers() {
        let root = Path::Root;
        assert_eq!(root.to_pointer(), "");
        let bgp = root.field("bgp");
        let prefixes = bgp.field("extra_prefixes");
        assert_eq!(prefixes.index(2).to_pointer(), "/bgp/extra_prefixes/2");
        assert_eq!(root.field("a/b~c").to_pointer(), "/a~1b~0c");
    }
}
