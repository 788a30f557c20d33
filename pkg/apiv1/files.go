package apiv1

import (
	"bytes"
	"encoding/base64"
	"unicode/utf8"

	"github.com/judge-dev/judge/pkg/srcfiles"
)

// WireFiles shows files as the v1 API carries them: text (valid UTF-8 without NUL) as content,
// other bytes as content_base64.
func WireFiles(files []srcfiles.File) []SourceFile {
	out := make([]SourceFile, 0, len(files))
	for _, f := range files {
		sf := SourceFile{Path: f.Path}
		if utf8.Valid(f.Data) && bytes.IndexByte(f.Data, 0) < 0 {
			s := string(f.Data)
			sf.Content = &s
		} else {
			s := base64.StdEncoding.EncodeToString(f.Data)
			sf.ContentBase64 = &s
		}
		out = append(out, sf)
	}
	return out
}
