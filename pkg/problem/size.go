package problem

// itemOverhead is a fair guess at what a test, group, program or file costs beyond its bytes
// (struct, slice and map headers, its name).
const itemOverhead = 256

// MemoryBytes estimates the memory a loaded problem holds: its test data, programs, included
// files and example submissions, plus a fixed overhead per item. A cache bounded in bytes
// counts a problem by it; test data spilled to files (LoadArchiveFile) counts only its names.
func (p *Problem) MemoryBytes() int64 {
	n := int64(itemOverhead)
	files := func(m map[string][]byte) {
		for name, b := range m {
			n += int64(len(name)+len(b)) + itemOverhead
		}
	}
	var group func(g *Group)
	group = func(g *Group) {
		n += int64(len(g.Name)) + itemOverhead
		for _, it := range g.Items {
			if it.Group != nil {
				group(it.Group)
			}
			if t := it.Test; t != nil {
				n += int64(len(t.Name)+len(t.Input)+len(t.Answer)+len(t.InputFile)+len(t.AnswerFile)) + itemOverhead
			}
		}
	}
	if p.Data != nil {
		group(p.Data)
	}
	if p.OutputValidator != nil {
		files(p.OutputValidator.Files)
	}
	for _, v := range p.MoreOutputValidators {
		files(v.Files)
	}
	for _, v := range p.InputValidators {
		files(v.Files)
	}
	for _, s := range p.Submissions {
		files(s.Files)
	}
	for _, inc := range p.Include {
		files(inc)
	}
	return n
}
