package similarity

import (
	"cmp"
	"slices"
)

// Options tune the fingerprints. The zero value means the defaults.
type Options struct {
	// K is the k-gram length in tokens: shorter runs are noise (default 12).
	K int
	// Window is the winnowing window: any shared run of K+Window-1 tokens is found (default 8).
	Window int
	// MaxDocs ignores a fingerprint found in more documents than this: code everyone writes
	// (reading the input, a template) is not evidence. Default: a tenth of the documents, at
	// least 5.
	MaxDocs int
}

func (o Options) withDefaults(n int) Options {
	if o.K <= 0 {
		o.K = 12
	}
	if o.Window <= 0 {
		o.Window = 8
	}
	if o.MaxDocs <= 0 {
		o.MaxDocs = max(5, n/10)
	}
	return o
}

// Document is one program, fingerprinted.
type Document struct {
	Name   string
	Source string
	toks   []token
	// fps are the winnowed fingerprints in order of position (token index of the k-gram).
	fps []fingerprint
	// distinct are the distinct fingerprint hashes, sorted.
	distinct []uint64
}

type fingerprint struct {
	hash uint64
	pos  int
}

// NewDocument tokenises and fingerprints source; lang is a judge language ID (see FamilyOf).
func NewDocument(name, lang, source string, opts Options) *Document {
	opts = opts.withDefaults(0)
	d := &Document{Name: name, Source: source, toks: tokenize(source, FamilyOf(lang))}
	d.fps = winnow(kgramHashes(d.toks, opts.K), opts.Window)
	d.distinct = make([]uint64, 0, len(d.fps))
	for _, f := range d.fps {
		d.distinct = append(d.distinct, f.hash)
	}
	slices.Sort(d.distinct)
	d.distinct = slices.Compact(d.distinct)
	return d
}

// Tokens is the number of normalised tokens, for reports.
func (d *Document) Tokens() int { return len(d.toks) }

const base = 1099511628211 // an odd 64-bit multiplier (the FNV prime); arithmetic wraps mod 2^64

// kgramHashes is the rolling hash of every run of k tokens.
func kgramHashes(toks []token, k int) []uint64 {
	if len(toks) < k {
		if len(toks) == 0 {
			return nil
		}
		k = len(toks) // a tiny program still gets one fingerprint
	}
	var pow uint64 = 1 // base^(k-1)
	for range k - 1 {
		pow *= base
	}
	out := make([]uint64, 0, len(toks)-k+1)
	var h uint64
	for i, t := range toks {
		if i >= k {
			h -= toks[i-k].hash * pow
		}
		h = h*base + t.hash
		if i >= k-1 {
			out = append(out, h)
		}
	}
	return out
}

// winnow keeps, of each window of w hashes, the smallest (the rightmost on ties), once.
func winnow(hs []uint64, w int) []fingerprint {
	if len(hs) == 0 {
		return nil
	}
	if len(hs) < w {
		w = len(hs)
	}
	var out []fingerprint
	last := -1
	for start := 0; start+w <= len(hs); start++ {
		m := start
		for i := start + 1; i < start+w; i++ {
			if hs[i] <= hs[m] {
				m = i
			}
		}
		if m != last {
			out = append(out, fingerprint{hash: hs[m], pos: m})
			last = m
		}
	}
	return out
}

// Pair is two documents that share fingerprints.
type Pair struct {
	A, B int // indexes into the compared documents, A < B
	// Shared counts the distinct fingerprints both have (common code excluded).
	Shared int
	// FracA and FracB are the shares of A's and B's fingerprints found in the other.
	FracA, FracB float64
	// Score is 2·Shared/(|A|+|B|): 1 for identical token streams, 0 for nothing shared.
	Score float64
	// Matches are the shared regions, in order of their place in A.
	Matches []Match
}

// Match is one region of A found in B.
type Match struct {
	A, B Span
}

// Span is a region of a source: byte offsets [Start, End) and lines [StartLine, EndLine].
type Span struct {
	Start, End         int
	StartLine, EndLine int
}

// Compare finds every pair of docs with a Score of at least threshold, best first. It indexes
// the fingerprints once and counts shared ones per pair, so it never compares two documents
// that share nothing.
func Compare(docs []*Document, opts Options, threshold float64) []Pair {
	opts = opts.withDefaults(len(docs))
	index := map[uint64][]int32{}
	for i, d := range docs {
		for _, h := range d.distinct {
			index[h] = append(index[h], int32(i))
		}
	}
	common := map[uint64]bool{}
	size := make([]int, len(docs))
	n := len(docs)
	// shared counts per pair (a < b), packed as the upper triangle of an n×n matrix.
	shared := make([]int32, n*(n-1)/2)
	at := func(a, b int) int { return a*n - a*(a+1)/2 + b - a - 1 }
	for h, ds := range index {
		if len(ds) > opts.MaxDocs {
			common[h] = true
			continue
		}
		for _, d := range ds {
			size[d]++
		}
		for x := 0; x < len(ds); x++ {
			for y := x + 1; y < len(ds); y++ {
				shared[at(int(ds[x]), int(ds[y]))]++
			}
		}
	}
	var pairs []Pair
	for a := 0; a < n; a++ {
		for b := a + 1; b < n; b++ {
			s := int(shared[at(a, b)])
			if s == 0 || size[a]+size[b] == 0 {
				continue
			}
			score := 2 * float64(s) / float64(size[a]+size[b])
			if score < threshold {
				continue
			}
			pairs = append(pairs, Pair{A: a, B: b, Shared: s, Score: score,
				FracA: float64(s) / float64(size[a]), FracB: float64(s) / float64(size[b]),
				Matches: matches(docs[a], docs[b], opts, common)})
		}
	}
	slices.SortFunc(pairs, func(x, y Pair) int {
		return cmp.Or(cmp.Compare(y.Score, x.Score), cmp.Compare(x.A, y.A), cmp.Compare(x.B, y.B))
	})
	return pairs
}

// matches pairs up the positions of shared fingerprints and merges neighbours into regions.
func matches(a, b *Document, opts Options, common map[uint64]bool) []Match {
	inA := map[uint64]int{}
	for _, f := range a.fps {
		if _, ok := inA[f.hash]; !ok && !common[f.hash] {
			inA[f.hash] = f.pos
		}
	}
	type hit struct{ a, b int }
	var hits []hit
	for _, f := range b.fps {
		if pa, ok := inA[f.hash]; ok {
			hits = append(hits, hit{pa, f.pos})
		}
	}
	slices.SortFunc(hits, func(x, y hit) int { return cmp.Or(cmp.Compare(x.a, y.a), cmp.Compare(x.b, y.b)) })
	// Fingerprints of one copied run are at most Window apart in both documents.
	gap := opts.K + opts.Window
	var out []Match
	k := opts.K
	for i := 0; i < len(hits); {
		j := i
		aEnd, bLo, bHi := hits[i].a, hits[i].b, hits[i].b
		for j+1 < len(hits) && hits[j+1].a-aEnd <= gap && abs(hits[j+1].b-hits[j].b) <= gap {
			j++
			aEnd = hits[j].a
			bLo, bHi = min(bLo, hits[j].b), max(bHi, hits[j].b)
		}
		aFrom, aTo, bFrom, bTo := hits[i].a, min(aEnd+k, len(a.toks)), bLo, min(bHi+k, len(b.toks))
		// Winnowing samples a run; grow the region over the equal tokens on both sides, so it
		// shows the whole copied run and not only its fingerprinted part.
		for aTo < len(a.toks) && bTo < len(b.toks) && a.toks[aTo].hash == b.toks[bTo].hash {
			aTo, bTo = aTo+1, bTo+1
		}
		for aFrom > 0 && bFrom > 0 && a.toks[aFrom-1].hash == b.toks[bFrom-1].hash {
			aFrom, bFrom = aFrom-1, bFrom-1
		}
		out = append(out, Match{A: span(a, aFrom, aTo), B: span(b, bFrom, bTo)})
		i = j + 1
	}
	return out
}

// span covers tokens [from, to) of d.
func span(d *Document, from, to int) Span {
	to = min(to, len(d.toks))
	first, last := d.toks[from], d.toks[to-1]
	return Span{Start: first.start, End: last.end, StartLine: first.line, EndLine: last.line + countNL(d.Source[last.start:last.end])}
}

func countNL(s string) int {
	n := 0
	for i := range len(s) {
		if s[i] == '\n' {
			n++
		}
	}
	return n
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
