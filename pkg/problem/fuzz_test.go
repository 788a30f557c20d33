package problem

import (
	"bytes"
	"testing"
)

// FuzzLoadArchive feeds arbitrary bytes (seeded with real tar.gz and zip packs) to the archive
// loader: it must return a problem or an error, never panic, and a loaded problem must have
// tests.
func FuzzLoadArchive(f *testing.F) {
	dir := f.TempDir()
	for p, c := range minimal() {
		writeFile(f, dir, p, c)
	}
	for _, format := range []string{TarGz, Zip} {
		var b bytes.Buffer
		if err := Pack(&b, dir, format); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
	}
	f.Add([]byte("PK\x05\x06"))
	f.Add([]byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, data []byte) {
		t2, err := readArchive(bytes.NewReader(data), 16<<20)
		if err != nil {
			return
		}
		p, err := load(t2)
		if err == nil && len(p.Tests()) == 0 {
			t.Fatal("loaded a problem without tests")
		}
	})
}
