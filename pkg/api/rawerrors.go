package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"

	"github.com/judge-dev/judge/pkg/apiv1"
)

// net/http answers a few malformed requests itself, before any handler runs, in plain text: 431
// when the headers pass MaxHeaderBytes, 400 for a request it cannot parse, 501 for an unknown
// transfer encoding. It writes each as one Write on the connection, in this exact form, and
// closes the connection. problemListener rewrites exactly those writes into
// application/problem+json, so every answer of the API has the same shape; an answer of a
// handler never has this form (it carries a Date header).
const serverErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// problemListener wraps the API's listener; see serverErrorHeaders.
type problemListener struct {
	net.Listener
	maxHeaderBytes int
}

func (l problemListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &problemConn{Conn: c, maxHeaderBytes: l.maxHeaderBytes}, nil
}

type problemConn struct {
	net.Conn
	maxHeaderBytes int
}

func (c *problemConn) Write(b []byte) (int, error) {
	if out, ok := rewriteServerError(b, c.maxHeaderBytes); ok {
		if _, err := c.Conn.Write(out); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	return c.Conn.Write(b)
}

// rewriteServerError turns one of net/http's own plain-text error answers into problem+json.
func rewriteServerError(b []byte, maxHeaderBytes int) ([]byte, bool) {
	const proto = "HTTP/1.1 "
	if !bytes.HasPrefix(b, []byte(proto)) {
		return nil, false
	}
	i := bytes.Index(b, []byte(serverErrorHeaders))
	if i < len(proto)+3 || bytes.Contains(b[:i], []byte("\r\n")) {
		return nil, false
	}
	status, err := strconv.Atoi(string(b[len(proto) : len(proto)+3]))
	if err != nil || status < 400 || status > 599 {
		return nil, false
	}
	text := string(b[i+len(serverErrorHeaders):])
	pd := apiv1.ProblemDetails{Type: apiv1.ErrTypeBadRequest, Title: "Bad request", Status: status, Detail: "the request is not valid HTTP/1.1: " + text}
	switch status {
	case http.StatusRequestHeaderFieldsTooLarge:
		pd.Type, pd.Title = apiv1.ErrTypeTooLarge, "Request header fields too large"
		pd.Detail = fmt.Sprintf("the request's headers are larger than the server's limit of %d bytes; send fewer or smaller headers", maxHeaderBytes)
		pd.Errors = []apiv1.FieldError{{Field: "headers", Message: fmt.Sprintf("more than %d bytes", maxHeaderBytes)}}
	case http.StatusNotImplemented:
		pd.Title = "Not implemented"
		pd.Detail = "the request's Transfer-Encoding is not supported; send the body plainly or chunked"
	}
	body, _ := json.Marshal(pd) // plain data: cannot fail
	body = append(body, '\n')
	var out bytes.Buffer
	fmt.Fprintf(&out, "HTTP/1.1 %d %s\r\nContent-Type: application/problem+json\r\nCache-Control: no-store\r\nConnection: close\r\nContent-Length: %d\r\n\r\n",
		status, http.StatusText(status), len(body))
	out.Write(body)
	return out.Bytes(), true
}
