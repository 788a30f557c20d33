// Package similarity finds programs that share code, the way MOSS does (Schleimer, Wilkerson
// and Aiken, "Winnowing: local algorithms for document fingerprinting", SIGMOD 2003): a source
// becomes a stream of normalised tokens (identifiers, numbers and strings lose their spelling,
// comments and whitespace vanish), every k tokens are hashed, and winnowing keeps the smallest
// hash of each window of w hashes as the document's fingerprints. Two programs that share a
// run of at least k+w-1 tokens share a fingerprint, whatever their variable names or layout.
// The package owns the algorithm only; judgectl grade --similarity reports its results.
package similarity

import (
	"hash/fnv"
	"strings"
)

// Family is a group of languages with the same comment and string syntax.
type Family int

const (
	// FamilyC: // and /* */ comments; C, C++, Java, Go, Rust, JavaScript, C#, Kotlin, Scala, Swift.
	FamilyC Family = iota
	// FamilyHash: # comments and triple-quoted strings; Python, Ruby, shell, Perl, R.
	FamilyHash
)

// FamilyOf maps a judge language ID ("python3", "cpp", "java") to its family; unknown IDs are C-like.
func FamilyOf(lang string) Family {
	// "python3.12" and "pypy3" name their family without the version.
	base := strings.TrimRight(strings.ToLower(lang), "0123456789.")
	switch base {
	case "python", "py", "pypy", "ruby", "rb", "bash", "sh", "perl", "r", "julia", "nim", "elixir", "crystal":
		return FamilyHash
	}
	return FamilyC
}

// token is one normalised token: its hash and where it came from.
type token struct {
	hash  uint64
	start int // byte offset in the source
	end   int
	line  int // 1-based line of start
}

// keywords keep their spelling: they carry the program's structure. Everything else that looks
// like a name becomes one token, so renaming variables changes nothing. One set serves every
// language: a keyword of one language is rarely a name in another.
var keywords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`if else elif for while do switch case default break continue return goto
		try catch finally throw throws raise except with as yield async await lambda def fn func function
		class struct enum union interface trait impl type typedef template typename namespace package import
		from using module pub public private protected static const final var let mut val new delete
		int long short char float double bool boolean void unsigned signed auto string str byte usize isize
		i32 i64 u32 u64 f32 f64 true false null nil None True False this self super in is not and or
		match loop go defer chan select range map sizeof extern inline virtual override operator end begin then fi done`) {
		m[w] = true
	}
	return m
}()

var (
	hIdent  = hashString("\x00ident")
	hNumber = hashString("\x00number")
	hString = hashString("\x00string")
)

func hashString(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64()
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isIdentPart(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

// tokenize turns src into normalised tokens, dropping comments and whitespace.
func tokenize(src string, fam Family) []token {
	toks := make([]token, 0, len(src)/3)
	line := 1
	i := 0
	emit := func(h uint64, start, end, ln int) {
		toks = append(toks, token{hash: h, start: start, end: end, line: ln})
	}
	// skipTo advances i to end, counting lines.
	skipTo := func(end int) {
		line += strings.Count(src[i:end], "\n")
		i = end
	}
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
		case fam == FamilyC && strings.HasPrefix(src[i:], "//"), fam == FamilyHash && c == '#':
			end := strings.IndexByte(src[i:], '\n')
			if end < 0 {
				end = len(src) - i
			}
			i += end
		case fam == FamilyC && strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				skipTo(len(src))
			} else {
				skipTo(i + 2 + end + 2)
			}
		case fam == FamilyHash && (strings.HasPrefix(src[i:], `"""`) || strings.HasPrefix(src[i:], "'''")):
			start, ln := i, line
			end := strings.Index(src[i+3:], src[i:i+3])
			if end < 0 {
				skipTo(len(src))
			} else {
				skipTo(i + 3 + end + 3)
			}
			emit(hString, start, i, ln)
		case c == '"' || c == '\'' || c == '`':
			start, ln := i, line
			j := i + 1
			for j < len(src) && src[j] != c && (src[j] != '\n' || c == '`') {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			skipTo(min(j+1, len(src)))
			emit(hString, start, i, ln)
		case isIdentStart(c):
			j := i + 1
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			h := hIdent
			if w := src[i:j]; keywords[w] {
				h = hashString(w)
			}
			emit(h, i, j, line)
			i = j
		case c >= '0' && c <= '9':
			j := i + 1
			for j < len(src) && (isIdentPart(src[j]) || src[j] == '.') {
				j++
			}
			emit(hNumber, i, j, line)
			i = j
		default:
			emit(punct[c], i, i+1, line)
			i++
		}
	}
	return toks
}

// punct holds the hash of every single-byte token.
var punct = func() (p [256]uint64) {
	for c := range p {
		p[c] = hashString(string(rune(c)))
	}
	return p
}()
