package api_test

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/judge-dev/judge/pkg/api"
	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/lang"
)

type openAPIDoc struct {
	OpenAPI    string                              `yaml:"openapi"`
	Paths      map[string]map[string]yaml.Node     `yaml:"paths"`
	Components struct{ Schemas map[string]schema } `yaml:"components"`
}

type schema struct {
	Properties map[string]yaml.Node `yaml:"properties"`
}

func loadOpenAPI(t *testing.T) openAPIDoc {
	t.Helper()
	data, err := os.ReadFile("../../api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc openAPIDoc
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("api/openapi.yaml: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi %q, want 3.1.x", doc.OpenAPI)
	}
	return doc
}

// TestOpenAPIMatchesRoutes: every operation in api/openapi.yaml is served and every served
// route is documented.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			switch method {
			case "get", "put", "post", "delete", "patch", "head", "options":
				documented = append(documented, strings.ToUpper(method)+" "+path)
			}
		}
	}
	langs, _ := lang.Load("")
	s, err := api.New(api.Deps{Store: panicStore{}, Languages: langs})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	served := s.Routes()
	sort.Strings(documented)
	sort.Strings(served)
	for _, r := range served {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is served but not in api/openapi.yaml", r)
		}
	}
	for _, r := range documented {
		if !slices.Contains(served, r) {
			t.Errorf("operation %s is in api/openapi.yaml but not served", r)
		}
	}
}

// TestOpenAPISchemasMatchWireTypes: each documented schema has exactly the JSON fields of the
// apiv1 type of the same name.
func TestOpenAPISchemasMatchWireTypes(t *testing.T) {
	doc := loadOpenAPI(t)
	types := []any{
		apiv1.SubmissionRequest{}, apiv1.Limits{}, apiv1.SubmissionAccepted{}, apiv1.Submission{},
		apiv1.TestResult{}, apiv1.SubmissionList{}, apiv1.Event{}, apiv1.Stats{}, apiv1.Language{},
		apiv1.LanguageList{}, apiv1.Problem{}, apiv1.ProblemList{}, apiv1.ProblemPushed{},
		apiv1.ProblemDetails{}, apiv1.FieldError{},
	}
	for _, v := range types {
		rt := reflect.TypeOf(v)
		sc, ok := doc.Components.Schemas[rt.Name()]
		if !ok {
			t.Errorf("schema %s missing from api/openapi.yaml", rt.Name())
			continue
		}
		var want, got []string
		for i := range rt.NumField() {
			name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			if name != "" && name != "-" {
				want = append(want, name)
			}
		}
		for p := range sc.Properties {
			got = append(got, p)
		}
		sort.Strings(want)
		sort.Strings(got)
		if !slices.Equal(want, got) {
			t.Errorf("schema %s has properties %v, apiv1.%s has %v", rt.Name(), got, rt.Name(), want)
		}
	}
}

// TestOpenAPILanguageEnumsMatchTheTable: the spec lists the built-in languages (v1 ids and
// Judge0 ids) as enums, so a generated valid request names a language the server knows.
func TestOpenAPILanguageEnumsMatchTheTable(t *testing.T) {
	data, err := os.ReadFile("../../api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Enum []any `yaml:"enum"`
				} `yaml:"properties"`
			} `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	langs, _ := lang.Load("")
	var want []string
	for _, l := range langs.All() {
		want = append(want, l.ID)
	}
	var got []string
	for _, v := range doc.Components.Schemas["SubmissionRequest"].Properties["language"].Enum {
		got = append(got, v.(string))
	}
	sort.Strings(want)
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Errorf("SubmissionRequest.language enum %v, built-in table %v", got, want)
	}
	s, err := api.New(api.Deps{Store: panicStore{}, Languages: langs})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rec := httptest.NewRecorder()
	hr := httptest.NewRequest("GET", "/judge0/languages", nil)
	hr.Header.Set("Authorization", "Bearer x")
	s.Handler().ServeHTTP(rec, hr)
	var j0 []struct {
		ID int `json:"id"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &j0); err != nil {
		t.Fatalf("GET /judge0/languages: %v: %s", err, rec.Body)
	}
	var wantIDs, gotIDs []int
	for _, l := range j0 {
		wantIDs = append(wantIDs, l.ID)
	}
	for _, v := range doc.Components.Schemas["Judge0Request"].Properties["language_id"].Enum {
		gotIDs = append(gotIDs, v.(int))
	}
	sort.Ints(wantIDs)
	sort.Ints(gotIDs)
	if !slices.Equal(gotIDs, wantIDs) {
		t.Errorf("Judge0Request.language_id enum %v, GET /judge0/languages %v", gotIDs, wantIDs)
	}
}
