package capture

import (
	"bytes"
	"mime/multipart"
	"net/textproto"
	"strings"
	"testing"
)

func multipartBody(t *testing.T, parts func(w *multipart.Writer)) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	parts(w)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), buf.Bytes()
}

func TestMultipart(t *testing.T) {
	ct, body := multipartBody(t, func(w *multipart.Writer) {
		w.WriteField("username", "alice")
		w.WriteField("password", "hunter2")
		w.WriteField("bio", "token "+fakeGHP+" here")
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="meta"`)
		h.Set("Content-Type", "application/json")
		p, _ := w.CreatePart(h)
		p.Write([]byte(`{"api_key":"k","v":1}`))
		f, _ := w.CreateFormFile("upload", "notes.txt")
		f.Write([]byte("file content FAKEfileSecret0000"))
		h = textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="blob"`)
		h.Set("Content-Type", "application/octet-stream")
		h.Set("X-Upload-Token", "FAKEuploadToken00")
		p, _ = w.CreatePart(h)
		p.Write([]byte{0, 1, 2, 3})
	})
	r := NewRedactor(Rules{})
	out, omitted := r.Body(ct, body, false)
	s := string(out)
	for _, want := range []string{"\r\n\r\nalice\r\n", "\r\n\r\n[REDACTED]\r\n", "token [REDACTED] here", `{"api_key":"[REDACTED]","v":1}`, `filename="notes.txt"`, "[omitted: 31 bytes]", "[omitted: 4 bytes]", "X-Upload-Token: [REDACTED]"} {
		if !strings.Contains(s, want) {
			t.Errorf("multipart output lacks %q:\n%s", want, s)
		}
	}
	for _, secret := range []string{"hunter2", fakeGHP, "FAKEfileSecret0000", "FAKEuploadToken00"} {
		if leak(s, secret) != "" {
			t.Errorf("secret %q survives:\n%s", secret, s)
		}
	}
	if omitted {
		t.Error("omitted")
	}
	// The output is multipart again, and redacting it changes nothing.
	again, _ := r.Body(ct, out, false)
	if !bytes.Equal(again, out) {
		t.Errorf("redacting twice changes it:\n%s\n%s", out, again)
	}
	// A kept type keeps its file parts, through the text redactor.
	kept, _ := NewRedactor(Rules{KeepContentTypes: []string{"application/octet-stream"}}).Body(ct, body, false)
	if !strings.Contains(string(kept), "file content FAKEfileSecret0000") || strings.Contains(string(kept), "[omitted: ") {
		t.Errorf("kept type omitted:\n%s", kept)
	}
}

func TestMultipartTruncated(t *testing.T) {
	ct, body := multipartBody(t, func(w *multipart.Writer) {
		w.WriteField("a", "1")
		w.WriteField("note", fakeGHP)
	})
	cut := body[:bytes.Index(body, []byte("ghp_"))+10]
	out, omitted := NewRedactor(Rules{}).Body(ct, cut, true)
	if omitted || !bytes.Contains(out, []byte("\r\n\r\n1\r\n")) || bytes.Contains(out, []byte("ghp_FAKE")) {
		t.Errorf("truncated multipart:\n%s", out)
	}
}

func TestMultipartMalformed(t *testing.T) {
	r := NewRedactor(Rules{})
	for _, ct := range []string{"multipart/form-data", "multipart/form-data; boundary=nope"} {
		out, omitted := r.Body(ct, []byte("password=hunter2 not multipart"), false)
		if omitted || string(out) != "password=[REDACTED] not multipart" {
			t.Errorf("%s: %q %v", ct, out, omitted)
		}
	}
	if out, omitted := r.Body("multipart/form-data; boundary=x", []byte("\x00\x01binary"), false); !omitted {
		t.Errorf("binary non-multipart kept: %q", out)
	}
}
