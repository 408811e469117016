// Package pbwire encodes and decodes the seed's two pb.Notificator messages by hand (protobuf wire format), so that
// the Go programs of the tests need no generated code: only Debian's grpc-go and etcd client packages.
package pbwire

import (
	"errors"
	"fmt"
)

// Raw is a gRPC codec that passes protobuf bytes as they are (*[]byte both ways).
type Raw struct{}

func (Raw) Marshal(v interface{}) ([]byte, error) { return *(v.(*[]byte)), nil }

func (Raw) Unmarshal(data []byte, v interface{}) error {
	*(v.(*[]byte)) = append([]byte(nil), data...)
	return nil
}

func (Raw) Name() string   { return "proto" }
func (Raw) String() string { return "proto" }

// AppendString appends a string field.
func AppendString(buf []byte, field int, s string) []byte {
	buf = appendVarint(buf, uint64(field<<3|2))
	buf = appendVarint(buf, uint64(len(s)))
	return append(buf, s...)
}

func appendVarint(buf []byte, n uint64) []byte {
	for n >= 0x80 {
		buf = append(buf, byte(n)|0x80)
		n >>= 7
	}
	return append(buf, byte(n))
}

// Strings decodes a message of string fields (SendEmailRequest, SendEmailReply): field number to value. Fields of
// other wire types are skipped.
func Strings(data []byte) (map[int]string, error) {
	fields := map[int]string{}
	for len(data) > 0 {
		key, n := varint(data)
		if n == 0 {
			return nil, errors.New("truncated field key")
		}
		data = data[n:]
		field, wire := int(key>>3), key&7
		switch wire {
		case 0:
			_, n = varint(data)
			if n == 0 {
				return nil, errors.New("truncated varint")
			}
			data = data[n:]
		case 1:
			if len(data) < 8 {
				return nil, errors.New("truncated fixed64")
			}
			data = data[8:]
		case 5:
			if len(data) < 4 {
				return nil, errors.New("truncated fixed32")
			}
			data = data[4:]
		case 2:
			length, n := varint(data)
			if n == 0 || uint64(len(data)-n) < length {
				return nil, errors.New("truncated length-delimited field")
			}
			fields[field] = string(data[n : n+int(length)])
			data = data[n+int(length):]
		default:
			return nil, fmt.Errorf("wire type %d not supported", wire)
		}
	}
	return fields, nil
}

func varint(data []byte) (uint64, int) {
	var n uint64
	for i := 0; i < len(data) && i < 10; i++ {
		n |= uint64(data[i]&0x7f) << (7 * uint(i))
		if data[i] < 0x80 {
			return n, i + 1
		}
	}
	return 0, 0
}
