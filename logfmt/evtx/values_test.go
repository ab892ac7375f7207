package evtx

import (
	"encoding/binary"
	"math"
	"reflect"
	"testing"
	"time"
)

func TestValueRendering(t *testing.T) {
	le := binary.LittleEndian
	u16 := func(v ...uint16) []byte {
		var b []byte
		for _, x := range v {
			b = le.AppendUint16(b, x)
		}
		return b
	}
	u32 := func(v uint32) []byte { return le.AppendUint32(nil, v) }
	u64 := func(v uint64) []byte { return le.AppendUint64(nil, v) }
	guid := []byte{0x25, 0x96, 0x84, 0x54, 0x78, 0x54, 0x94, 0x49, 0xa5, 0xba, 0x3e, 0x3b, 0x03, 0x28, 0xc3, 0x0d}
	sid := append([]byte{1, 2, 0, 0, 0, 0, 0, 5}, append(u32(32), u32(544)...)...)
	ft := uint64(132700000001234567) // 1625526400.1234567 s after 1970
	cases := []struct {
		typ   uint8
		b     []byte
		xml   string // python-evtx compatible
		field any
	}{
		{tNull, nil, "", nil},
		{tWString, append(u16('a', '<', 'é', 0xd83d, 0xde00, 0), 0, 0), "a&lt;&#233;&#128512;", "a<é😀"},
		{tString, []byte("ab&\xe9\x00"), "ab&amp;&#233;", "ab&é"},
		{tInt8, []byte{0xff}, "-1", int64(-1)},
		{tUint8, []byte{0xff}, "255", int64(255)},
		{tInt16, u16(0xfffe), "-2", int64(-2)},
		{tUint16, u16(0xfffe), "65534", int64(65534)},
		{tInt32, u32(0xfffffffd), "-3", int64(-3)},
		{tUint32, u32(0xfffffffd), "4294967293", int64(4294967293)},
		{tInt64, u64(math.MaxUint64), "-1", int64(-1)},
		{tUint64, u64(math.MaxUint64), "18446744073709551615", uint64(math.MaxUint64)},
		{tFloat32, u32(math.Float32bits(0.1)), "0.10000000149011612", float64(float32(0.1))},
		{tFloat64, u64(math.Float64bits(1e16)), "1e+16", 1e16},
		{tFloat64, u64(math.Float64bits(2)), "2.0", 2.0},
		{tFloat64, u64(math.Float64bits(0.00001)), "1e-05", 0.00001},
		{tFloat64, u64(math.Float64bits(-123.25)), "-123.25", -123.25},
		{tBool, u32(1), "True", true},
		{tBool, u32(0), "False", false},
		{tBinary, []byte{0, 1, 0xfe}, "AAH+", "0001FE"},
		{tGUID, guid, "{54849625-5478-4994-a5ba-3e3b0328c30d}", "{54849625-5478-4994-A5BA-3E3B0328C30D}"},
		{tSizeT, u64(0x1000), "4096", "0x1000"},
		{tSizeT, u32(0x10), "16", "0x10"},
		{tFileTime, u64(ft), "2021-07-05T23:06:40.1234567Z", time.Date(2021, 7, 5, 23, 6, 40, 123456700, time.UTC)},
		{tSysTime, u16(2021, 7, 3, 7, 13, 53, 20, 123), "2021-07-07T13:53:20.123Z", time.Date(2021, 7, 7, 13, 53, 20, 123e6, time.UTC)},
		{tSID, sid, "S-1-5-32-544", "S-1-5-32-544"},
		{tHex32, u32(0x3e7), "0x000003e7", "0x3e7"},
		{tHex64, u64(0x8020000000000000), "0x8020000000000000", "0x8020000000000000"},
		{tWStringArr, u16('a', 0, 0, 'b', 'c', 0), "&lt;string&gt;a&lt;/string&gt;\n&lt;string&gt;&lt;/string&gt;\n&lt;string&gt;bc&lt;/string&gt;\n", []any{"a", "", "bc"}},
		{tArray | tUint16, u16(1, 2), "&lt;string&gt;1&lt;/string&gt;\n&lt;string&gt;2&lt;/string&gt;\n", []any{int64(1), int64(2)}},
		{tArray | tHex64, u64(10), "&lt;string&gt;0x000000000000000a&lt;/string&gt;\n", []any{"0xa"}},
		{tArray | tString, []byte("x\x00y\x00"), "&lt;string&gt;x&lt;/string&gt;\n&lt;string&gt;y&lt;/string&gt;\n", []any{"x", "y"}},
	}
	for _, tc := range cases {
		c := &chunkCtx{b: tc.b}
		v := &value{typ: tc.typ, size: uint32(len(tc.b))}
		if got := string(c.appendValueXML(nil, v, false)); got != tc.xml {
			t.Errorf("type %#x % x: xml %q, want %q", tc.typ, tc.b, got, tc.xml)
		}
		got, ok := c.fieldValue(v)
		if tc.field == nil {
			if ok {
				t.Errorf("type %#x: field %v, want none", tc.typ, got)
			}
			continue
		}
		if !reflect.DeepEqual(got, tc.field) {
			t.Errorf("type %#x % x: field %#v, want %#v", tc.typ, tc.b, got, tc.field)
		}
	}
	// Attribute context escapes quotes; restricted controls are dropped.
	c := &chunkCtx{b: u16('"', 1, '\t', 'x')}
	if got := string(c.appendValueXML(nil, &value{typ: tWString, size: 8}, true)); got != "&quot;\tx" {
		t.Errorf("attribute escaping: %q", got)
	}
}
