package store

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// LanguageVersion is the toolchain version of one language as a worker read it from the
// runtime image it judges that language in.
type LanguageVersion struct {
	Language string
	Version  string
	// Image is the image reference the version was read from (the cluster's pinned tag).
	Image string
	// Worker is the worker that published it; UpdatedAt when (set by the store).
	Worker    string
	UpdatedAt time.Time
}

// PutLanguageVersions records the versions worker read, one row per language, replacing what
// any worker recorded for those languages before; languages absent from versions keep their
// rows. An entry with an empty language or version is an error, and nothing is written then.
func (s *Store) PutLanguageVersions(ctx context.Context, worker string, versions []LanguageVersion) error {
	if len(versions) == 0 {
		return nil
	}
	var langs, vers, images []string
	for _, v := range versions {
		if v.Language == "" || v.Version == "" {
			return fmt.Errorf("record language versions: language %q has version %q: both must be set", v.Language, v.Version)
		}
		langs, vers, images = append(langs, v.Language), append(vers, v.Version), append(images, v.Image)
	}
	// One statement: the rows change together, and DISTINCT ON keeps a language named twice
	// from failing the upsert (its last entry wins).
	_, err := s.db.ExecContext(ctx, `INSERT INTO language_versions (language, version, image, worker, updated_at)
		SELECT DISTINCT ON (l) l, v, i, $4, now() FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS t(l, v, i, n)
		ORDER BY l, n DESC
		ON CONFLICT (language) DO UPDATE SET version = EXCLUDED.version, image = EXCLUDED.image,
			worker = EXCLUDED.worker, updated_at = EXCLUDED.updated_at`,
		pq.Array(langs), pq.Array(vers), pq.Array(images), worker)
	if err != nil {
		return fmt.Errorf("record language versions: %w", mapError(err))
	}
	return nil
}

// LanguageVersions returns every recorded version, by language.
func (s *Store) LanguageVersions(ctx context.Context) ([]LanguageVersion, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT language, version, image, worker, updated_at FROM language_versions ORDER BY language`)
	if err != nil {
		return nil, fmt.Errorf("read language versions: %w", mapError(err))
	}
	defer rows.Close()
	var out []LanguageVersion
	for rows.Next() {
		var v LanguageVersion
		if err := rows.Scan(&v.Language, &v.Version, &v.Image, &v.Worker, &v.UpdatedAt); err != nil {
			return nil, fmt.Errorf("read language versions: %w", mapError(err))
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read language versions: %w", mapError(err))
	}
	return out, nil
}
