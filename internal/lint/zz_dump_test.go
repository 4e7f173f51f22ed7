package lint
import ("testing";"fmt";"os";"path/filepath";"strings"
"github.com/evctl/evctl/internal/config"
"github.com/evctl/evctl/internal/schema")
func TestDumpSchemas(t *testing.T){
	files,_ := filepath.Glob("testdata/corpus/schemas/*/*")
	for _, f := range files {
		dir := t.TempDir()
		data,_ := os.ReadFile(f)
		dst := filepath.Join(dir,"schemas","v1",filepath.Base(f))
		os.MkdirAll(filepath.Dir(dst),0o755); os.WriteFile(dst,data,0o644)
		cat, err := schema.Load([]string{filepath.Join(dir,"schemas")}, schema.LoadOptions{})
		if err != nil { fmt.Println("LOADERR", f, err); continue }
		for _, e := range cat.Errors { fmt.Println("ERR", f, e) }
		for _, d := range Run(cat, config.Default()) {
			if d.Rule == os.Getenv("RULE") { fmt.Printf("%s\t%s\n", strings.TrimPrefix(f,"testdata/corpus/schemas/"), d.Message) }
		}
	}
}
func TestDumpNumeric(t *testing.T){
	files,_ := filepath.Glob("testdata/corpus/schemas/*/*")
	for _, f := range files {
		dir := t.TempDir()
		data,_ := os.ReadFile(f)
		dst := filepath.Join(dir,"schemas","v1",filepath.Base(f))
		os.MkdirAll(filepath.Dir(dst),0o755); os.WriteFile(dst,data,0o644)
		cat, _ := schema.Load([]string{filepath.Join(dir,"schemas")}, schema.LoadOptions{})
		seen := map[string]bool{}
		var walk func(r *schema.Type, d int)
		walk = func(r *schema.Type, d int) {
			if r == nil || d > 20 { return }
			for _, fl := range r.Fields {
				ft := fl.Type.NonNull()
				num := ft.Numeric()
				kinds := string(ft.Kind)
				if ft.Kind == schema.KUnion { for _, b := range ft.Branches { if b.Numeric() { num = true }; kinds += "|"+string(b.Kind)+":"+b.Format } }
				if ft.Kind == schema.KArray && ft.Items != nil && ft.Items.Numeric() { num = true; kinds = "array<"+string(ft.Items.Kind)+">" }
				if ft.Kind == schema.KMap && ft.Values != nil && ft.Values.Numeric() { num = true; kinds = "map<"+string(ft.Values.Kind)+">" }
				if num && !seen[fl.Name] { seen[fl.Name] = true; fmt.Printf("NUM\t%s\t%s\t%s\t%s\t%s\n", strings.TrimPrefix(f,"testdata/corpus/schemas/"), fl.Name, kinds+"/"+ft.Format+ft.Logical, fl.Unit, strings.ReplaceAll(fl.Doc,"\n"," ")) }
				for _, c := range containedRecords(fl.Type, false, 0) { walk(c.rec, d+1) }
			}
		}
		if len(cat.Events) > 0 { walk(top(cat.Events[0]), 0) }
	}
}
