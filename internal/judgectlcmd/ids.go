package judgectlcmd

import "regexp"

// submissionIDPattern is the form of a submission ID: a UUID, as the server makes them.
var submissionIDPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// checkSubmissionID rejects what cannot be a submission ID before the server is contacted, so
// a pasted file name or a truncated ID is a usage error that says what an ID looks like.
func checkSubmissionID(id string) error {
	if submissionIDPattern.MatchString(id) {
		return nil
	}
	return flagErrorf("%q is not a submission ID: an ID is a UUID such as 0b8e3c52-7d4a-4f0e-9a61-2c5d8e9f1a30 (`judgectl submit` prints it; the short IDs `watch` shows are not enough)", id)
}
