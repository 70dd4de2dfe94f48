package capture

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"slices"

	"github.com/reprokit/reprokit/internal/redact"
)

// multipart redacts a multipart body, written again part by part with
// the same boundary, without its preamble and epilogue:
//
//   - the headers of a part are kept in name order; Content-Disposition
//     and Content-Type are searched by the value patterns only (a file
//     name can hold a token), others are redacted as headers;
//   - a field (a part without a file name, of a textual type or none) is
//     redacted by its name as a form field is, its value by the value
//     patterns and sensitive pairs, or as JSON when its type says so;
//   - a file part, or a field of a binary type, becomes
//     "[omitted: N bytes]" unless its type is in Rules.KeepContentTypes.
//
// ok is false when body is not multipart with that boundary. When
// truncated, the part that was cut is masked whole or omitted, and
// nothing is written after it.
func (r *Redactor) multipart(body []byte, boundary string, truncated bool) (out []byte, ok bool) {
	if boundary == "" {
		return nil, false
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	out = make([]byte, 0, len(body)/2+64)
	parts := 0
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF && parts > 0 {
			break
		}
		if err != nil {
			if truncated && parts > 0 {
				return out, true
			}
			return nil, false
		}
		data, err := io.ReadAll(p)
		cut := false
		if err != nil {
			if !truncated || !errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, false
			}
			cut = true
		}
		out = append(out, "--"...)
		out = append(out, boundary...)
		out = append(out, "\r\n"...)
		keys := make([]string, 0, len(p.Header))
		for k := range p.Header {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			vs := p.Header[k]
			if k == "Content-Disposition" || k == "Content-Type" {
				vs = slices.Clone(vs)
				for i, v := range vs {
					vs[i] = r.Text(v)
				}
			} else {
				vs = r.Header(k, vs)
			}
			for _, v := range vs {
				out = append(out, k...)
				out = append(out, ": "...)
				out = append(out, v...)
				out = append(out, "\r\n"...)
			}
		}
		out = append(out, "\r\n"...)
		out = r.appendPart(out, p, data, cut)
		parts++
		if cut {
			return out, true
		}
		out = append(out, "\r\n"...)
	}
	out = append(out, "--"...)
	out = append(out, boundary...)
	return append(out, "--\r\n"...), true
}

// appendPart appends the content of one part, redacted.
func (r *Redactor) appendPart(out []byte, p *multipart.Part, data []byte, cut bool) []byte {
	if len(data) == 0 || redact.IsMarkBytes(data) {
		return append(out, data...)
	}
	ct := p.Header.Get("Content-Type")
	mt, _ := mediaType(ct)
	k := kindOf(mt)
	if p.FileName() != "" || k == kindOther || k == kindMultipart {
		if r.keepType(mt) && mt != "" {
			body, _ := r.body(ct, data, cut, int64(len(data)))
			return append(out, body...)
		}
		r.omitted.Add(1)
		return append(out, redact.Omitted(int64(len(data)))...)
	}
	if cut || r.engine.Name(p.FormName()) != redact.Inspect {
		r.values.Add(1)
		return r.mask.Append(out, data)
	}
	if k == kindJSON {
		if body, ok := r.json(data, false, false); ok {
			return append(out, body...)
		}
	}
	if !textual(data, false) {
		r.omitted.Add(1)
		return append(out, redact.Omitted(int64(len(data)))...)
	}
	spans := r.engine.FindTextBytes(nil, data)
	r.values.Add(uint64(len(redact.Merge(spans))))
	return redact.AppendMasked(out, data, spans, r.mask)
}
