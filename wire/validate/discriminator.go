package validate

import "encoding/json"

// Discriminator returns the string value of the top-level property key of
// the JSON object data, as encoding/json reads it (escapes decoded, invalid
// UTF-8 as U+FFFD, the last of duplicate keys); ok is false when data is
// not an object, lacks the key, or the value is not a string. A sum type's
// UnmarshalJSON uses it to find the one branch of a oneOf or anyOf whose
// required constant the value can match; it never panics on any input.
func Discriminator(data []byte, key string) (value string, ok bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return "", false
	}
	i++
	for {
		i = skipSpace(data, i)
		if i >= len(data) {
			return "", false
		}
		if data[i] == '}' {
			return value, ok
		}
		ks, ke, plain := scanString(data, i)
		if ke < 0 {
			return "", false
		}
		var match bool
		if plain {
			match = string(data[ks:ke-1]) == key
		} else {
			var k string
			if json.Unmarshal(data[i:ke], &k) != nil {
				return "", false
			}
			match = k == key
		}
		i = skipSpace(data, ke)
		if i >= len(data) || data[i] != ':' {
			return "", false
		}
		i = skipSpace(data, i+1)
		if match {
			if i < len(data) && data[i] == '"' {
				vs, ve, vplain := scanString(data, i)
				if ve < 0 {
					return "", false
				}
				if vplain {
					value, ok = string(data[vs:ve-1]), true
				} else {
					var v string
					ok = json.Unmarshal(data[i:ve], &v) == nil
					value = v
				}
				i = ve
			} else {
				value, ok = "", false
				if i = skipValue(data, i, 0); i < 0 {
					return "", false
				}
			}
		} else if i = skipValue(data, i, 0); i < 0 {
			return "", false
		}
		i = skipSpace(data, i)
		if i < len(data) && data[i] == ',' {
			i++
			continue
		}
		if i < len(data) && data[i] == '}' {
			return value, ok
		}
		return "", false
	}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// scanString scans the string starting at data[i] == '"': start is the
// index after the opening quote, end the index after the closing one (-1
// when unterminated); plain tells printable ASCII without escapes, whose
// bytes are the string.
func scanString(data []byte, i int) (start, end int, plain bool) {
	if i >= len(data) || data[i] != '"' {
		return 0, -1, false
	}
	plain = true
	for j := i + 1; j < len(data); j++ {
		switch c := data[j]; {
		case c == '"':
			return i + 1, j + 1, plain
		case c == '\\':
			plain = false
			j++
		case c < 0x20 || c >= 0x80:
			plain = false
		}
	}
	return 0, -1, false
}

// skipValue returns the index after the JSON value at data[i], or -1.
func skipValue(data []byte, i, depth int) int {
	if i >= len(data) || depth > 10000 {
		return -1
	}
	switch data[i] {
	case '"':
		_, end, _ := scanString(data, i)
		return end
	case '{', '[':
		closer := byte('}')
		if data[i] == '[' {
			closer = ']'
		}
		i = skipSpace(data, i+1)
		if i < len(data) && data[i] == closer {
			return i + 1
		}
		for {
			if closer == '}' {
				_, ke, _ := scanString(data, i)
				if ke < 0 {
					return -1
				}
				i = skipSpace(data, ke)
				if i >= len(data) || data[i] != ':' {
					return -1
				}
				i = skipSpace(data, i+1)
			}
			if i = skipValue(data, i, depth+1); i < 0 {
				return -1
			}
			i = skipSpace(data, i)
			if i >= len(data) {
				return -1
			}
			if data[i] == closer {
				return i + 1
			}
			if data[i] != ',' {
				return -1
			}
			i = skipSpace(data, i+1)
		}
	default:
		j := i
		for j < len(data) {
			c := data[j]
			if c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r' {
				break
			}
			j++
		}
		if j == i {
			return -1
		}
		return j
	}
}
