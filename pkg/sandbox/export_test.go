package sandbox

// CutStream closes the attached stream of the container p holds, as an engine outage or a cut
// connection to the engine leaves a warm container: the container runs on, its agent is
// unreachable.
func CutStream(p *Program) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.box != nil && p.box.conn != nil {
		_ = p.box.conn.Close()
	}
}
