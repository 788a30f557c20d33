package srcfiles

import (
	"archive/zip"
	"bytes"
	"errors"
	"io/fs"
	"strings"
	"testing"
)

func TestCheckPath(t *testing.T) {
	for _, tc := range []struct {
		path string
		want string // substring of the problem; "" means valid
	}{
		{"main.c", ""},
		{"src/util/list.h", ""},
		{"Ünïcode.py", ""},
		{"", "empty"},
		{"/etc/passwd", "absolute"},
		{"../x.c", `".."`},
		{"a/../../x.c", `".."`},
		{"./a.c", `"."`},
		{"a//b.c", "empty element"},
		{"dir/", "empty element"},
		{"a\\b.c", "backslash"},
		{"a\x00.c", "NUL"},
		{"a\nb.c", "control"},
		{"\xff.c", "UTF-8"},
		{strings.Repeat("a", 256), "more than the limit of 255"},
	} {
		got := CheckPath(tc.path, 255)
		if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("CheckPath(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}

func TestCheck(t *testing.T) {
	small := Caps{MaxFiles: 3, MaxBytes: 10, MaxPathBytes: 20}
	f := func(p, d string) File { return File{Path: p, Data: []byte(d)} }
	for _, tc := range []struct {
		name     string
		files    []File
		wantPath string
		wantMsg  string
		tooLarge bool
	}{
		{"ok", []File{f("a.c", "x"), f("b/c.h", "y")}, "", "", false},
		{"none", nil, "", "no files", false},
		{"duplicate", []File{f("a.c", "x"), f("a.c", "y")}, "a.c", "twice", false},
		{"file and dir", []File{f("a", "x"), f("a/b.c", "y")}, "a", "puts a file inside it", false},
		{"dotdot", []File{f("../a.c", "x")}, "../a.c", `".."`, false},
		{"too many", []File{f("a", ""), f("b", ""), f("c", ""), f("d", "")}, "", "4 files, more than the limit of 3", true},
		{"too many bytes", []File{f("a", "123456"), f("b", "123456")}, "", "12 bytes, more than the limit of 10", true},
		{"long path", []File{f(strings.Repeat("p", 21), "")}, strings.Repeat("p", 21), "limit of 20", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := Check(tc.files, small)
			if tc.wantMsg == "" {
				if len(ps) > 0 {
					t.Fatalf("Check: %v, want no problem", ps[0])
				}
				return
			}
			for _, p := range ps {
				if p.Path == tc.wantPath && strings.Contains(p.Msg, tc.wantMsg) && p.TooLarge == tc.tooLarge {
					return
				}
			}
			t.Fatalf("Check = %v, want a problem on %q with %q (too large %v)", ps, tc.wantPath, tc.wantMsg, tc.tooLarge)
		})
	}
}

func TestHashIsCanonical(t *testing.T) {
	a := []File{{Path: "a.c", Data: []byte("1")}, {Path: "b.c", Data: []byte("2")}}
	b := []File{a[1], a[0]}
	if Hash(a, "a.c") != Hash(b, "a.c") {
		t.Fatal("the hash depends on the order of the files")
	}
	for name, other := range map[string]string{
		"entry":   Hash(a, "b.c"),
		"content": Hash([]File{{Path: "a.c", Data: []byte("1")}, {Path: "b.c", Data: []byte("3")}}, "a.c"),
		"path":    Hash([]File{{Path: "a.c", Data: []byte("1")}, {Path: "c.c", Data: []byte("2")}}, "a.c"),
		// Length prefixes: moving a byte from a path into the content changes the hash.
		"boundary": Hash([]File{{Path: "a.c1", Data: nil}, {Path: "b.c", Data: []byte("2")}}, "a.c"),
	} {
		if other == Hash(a, "a.c") {
			t.Errorf("changing the %s left the hash the same", name)
		}
	}
}

// zipOf builds an archive; an entry whose name ends in "@link" is stored as a symbolic link.
func zipOf(t *testing.T, method uint16, entries ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e[0], Method: method}
		if name, ok := strings.CutSuffix(e[0], "@link"); ok {
			h.Name = name
			h.SetMode(fs.ModeSymlink | 0o777)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(e[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestUnzip(t *testing.T) {
	caps := Caps{MaxFiles: 4, MaxBytes: 1 << 20, MaxPathBytes: 64}
	bomb := strings.Repeat("0", 8<<20) // 8 MiB of zeros deflate to a few KiB
	many := make([][2]string, 0, 20)
	for i := range 20 {
		many = append(many, [2]string{strings.Repeat("d", i+1) + "/", ""})
	}
	for _, tc := range []struct {
		name     string
		data     []byte
		want     []string // paths when it succeeds
		wantPath string
		wantMsg  string
		tooLarge bool
	}{
		{name: "files and dirs", data: zipOf(t, zip.Deflate, [2]string{"src/", ""}, [2]string{"src/a.c", "int a;"}, [2]string{"run", "./a"}),
			want: []string{"src/a.c", "run"}},
		{name: "zip bomb", data: zipOf(t, zip.Deflate, [2]string{"zeros.txt", bomb}), wantPath: "zeros.txt", wantMsg: "once decompressed", tooLarge: true},
		{name: "bomb over two files", data: zipOf(t, zip.Deflate, [2]string{"a", bomb[:600<<10]}, [2]string{"b", bomb[:600<<10]}), wantPath: "b", wantMsg: "once decompressed", tooLarge: true},
		{name: "too many files", data: zipOf(t, zip.Store, [2]string{"a", ""}, [2]string{"b", ""}, [2]string{"c", ""}, [2]string{"d", ""}, [2]string{"e", ""}), wantMsg: "more than the limit of 4 files", tooLarge: true},
		{name: "too many entries", data: zipOf(t, zip.Store, many...), wantMsg: "20 entries", tooLarge: true},
		{name: "zip slip", data: zipOf(t, zip.Deflate, [2]string{"../../etc/cron.d/x", "boom"}), wantPath: "../../etc/cron.d/x", wantMsg: `".."`},
		{name: "absolute", data: zipOf(t, zip.Deflate, [2]string{"/tmp/x", "boom"}), wantPath: "/tmp/x", wantMsg: "absolute"},
		{name: "symlink", data: zipOf(t, zip.Store, [2]string{"passwd@link", "/etc/passwd"}), wantPath: "passwd", wantMsg: "symbolic link"},
		{name: "backslash", data: zipOf(t, zip.Store, [2]string{"..\\x", ""}), wantPath: "..\\x", wantMsg: "backslash"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files, err := Unzip(tc.data, caps)
			if tc.wantMsg == "" {
				if err != nil {
					t.Fatalf("Unzip: %v", err)
				}
				var got []string
				for _, f := range files {
					got = append(got, f.Path)
				}
				if strings.Join(got, ",") != strings.Join(tc.want, ",") {
					t.Fatalf("Unzip = %v, want %v", got, tc.want)
				}
				return
			}
			var p *Problem
			if !errors.As(err, &p) {
				t.Fatalf("Unzip error %v, want a *Problem", err)
			}
			if p.Path != tc.wantPath || !strings.Contains(p.Msg, tc.wantMsg) || p.TooLarge != tc.tooLarge {
				t.Fatalf("Unzip problem = %+v, want path %q, message with %q, too large %v", p, tc.wantPath, tc.wantMsg, tc.tooLarge)
			}
		})
	}
	if _, err := Unzip([]byte("not a zip"), caps); !errors.Is(err, ErrNotZip) {
		t.Fatalf("Unzip(garbage) = %v, want ErrNotZip", err)
	}
}
