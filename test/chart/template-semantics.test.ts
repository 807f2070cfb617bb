import { describe, expect, it } from "vitest";
import { renderTemplateString } from "../../src/chart/index.js";
import { VelaError } from "../../src/errors/index.js";

interface Case {
  readonly name: string;
  readonly template: string;
  readonly data?: unknown;
  readonly want: string;
  readonly partials?: Record<string, string>;
}

const render = (c: Pick<Case, "template" | "data" | "partials">): string =>
  renderTemplateString(c.template, c.data ?? {}, {
    name: "t",
    ...(c.partials === undefined ? {} : { partials: c.partials }),
  });

const TRUTHINESS: Case[] = [
  { name: "false is false", template: "{{ if .v }}T{{ else }}F{{ end }}", data: { v: false }, want: "F" },
  { name: "0 is false", template: "{{ if .v }}T{{ else }}F{{ end }}", data: { v: 0 }, want: "F" },
  { name: "empty string is false", template: "{{ if .v }}T{{ else }}F{{ end }}", data: { v: "" }, want: "F" },
  { name: "empty list is false", template: "{{ if .v }}T{{ else }}F{{ end }}", data: { v: [] }, want: "F" },
  { name: "empty map is false", template: "{{ if .v }}T{{ else }}F{{ end }}", data: { v: {} }, want: "F" },
  { name: "null is false", template: "{{ if .v }}T{{ else }}F{{ end }}", data: { v: null }, want: "F" },
  { name: "missing key is false", template: "{{ if .v }}T{{ else }}F{{ end }}", data: {}, want: "F" },
  { name: "string 0 is true", template: "{{ if .v }}T{{ else }}F{{ end }}", data: { v: "0" }, want: "T" },
  { name: "list with a zero is true", template: "{{ if .v }}T{{ else }}F{{ end }}", data: { v: [0] }, want: "T" },
  { name: "else if chain", template: "{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}", data: { b: 1 }, want: "B" },
  { name: "else with", template: "{{ with .a }}A{{ else with .b }}{{ . }}{{ end }}", data: { b: "x" }, want: "x" },
  { name: "not", template: "{{ not .v }}", data: { v: "" }, want: "true" },
  { name: "and returns the first falsy argument", template: "{{ and 1 0 2 }}", want: "0" },
  { name: "or returns the first truthy argument", template: '{{ or 0 "" "x" }}', want: "x" },
  { name: "or short-circuits", template: '{{ or true (fail "boom") }}', want: "true" },
];

const PRINTING: Case[] = [
  { name: "printf %s %d", template: '{{ printf "%s-%d" "a" 5 }}', want: "a-5" },
  {
    name: "printf %v of a map sorts keys",
    template: '{{ printf "%v" .m }}',
    data: { m: { b: 2, a: "x" } },
    want: "map[a:x b:2]",
  },
  { name: "printf %q", template: '{{ printf "%q" "hi" }}', want: '"hi"' },
  { name: "printf %5.2f", template: '{{ printf "%5.2f" 3.14159 }}', want: " 3.14" },
  { name: "printf %x", template: '{{ printf "%x" 255 }}', want: "ff" },
  { name: "printf %t", template: '{{ printf "%t" true }}', want: "true" },
  { name: "printf %%", template: '{{ printf "100%%" }}', want: "100%" },
  {
    name: "printf %d of a float64 value is a bad verb",
    template: '{{ printf "%d" .n }}',
    data: { n: 5 },
    want: "%!d(float64=5)",
  },
  { name: "printf with a missing argument", template: '{{ printf "%s" }}', want: "%!s(MISSING)" },
  { name: "large float64 prints with an exponent", template: "{{ .n }}", data: { n: 1000000 }, want: "1e+06" },
  { name: "int conversion prints digits", template: "{{ .n | int }}", data: { n: 1000000 }, want: "1000000" },
  { name: "missing map key prints <no value>", template: "{{ .missing }}", want: "<no value>" },
  { name: "print spaces non-string operands", template: '{{ print 1 2 "a" 3 }}', want: "1 2a3" },
  { name: "println", template: '{{ println "a" 1 }}', want: "a 1\n" },
  { name: "html", template: '{{ html "<a>" }}', want: "&lt;a&gt;" },
  { name: "urlquery", template: '{{ urlquery "a b&c" }}', want: "a+b%26c" },
  { name: "js", template: `{{ js "it's" }}`, want: "it\\'s" },
  { name: "list prints Go style", template: "{{ .l }}", data: { l: ["a", 1] }, want: "[a 1]" },
];

const CONTROL: Case[] = [
  {
    name: "range over a map is in key order",
    template: "{{ range $k, $v := .m }}{{ $k }}={{ $v }};{{ end }}",
    data: { m: { b: 2, a: 1, c: 3 } },
    want: "a=1;b=2;c=3;",
  },
  {
    name: "range with index",
    template: "{{ range $i, $v := .l }}{{ $i }}:{{ $v }} {{ end }}",
    data: { l: ["x", "y"] },
    want: "0:x 1:y ",
  },
  {
    name: "range else on empty",
    template: "{{ range .l }}{{ . }}{{ else }}empty{{ end }}",
    data: { l: [] },
    want: "empty",
  },
  {
    name: "break and continue",
    template:
      '{{ range .l }}{{ if eq . "b" }}{{ continue }}{{ end }}{{ if eq . "d" }}{{ break }}{{ end }}{{ . }}{{ end }}',
    data: { l: ["a", "b", "c", "d", "e"] },
    want: "ac",
  },
  {
    name: "$ inside range is the root",
    template: "{{ range .l }}{{ $.name }}-{{ . }} {{ end }}",
    data: { name: "n", l: ["p", "q"] },
    want: "n-p n-q ",
  },
  {
    name: "$ inside with is the root",
    template: "{{ with .inner }}{{ .x }}/{{ $.top }}{{ end }}",
    data: { top: "T", inner: { x: "X" } },
    want: "X/T",
  },
  {
    name: "assignment reaches the outer variable",
    template: "{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}",
    want: "2",
  },
  { name: "trim markers eat whitespace", template: "a  {{- 1 -}}  b", want: "a1b" },
  { name: "comments with trim markers", template: "a\n  {{- /* note */ -}}\n  b", want: "ab" },
  {
    name: "include piped into nindent",
    template: 'x:{{ include "labels" . | nindent 2 }}',
    partials: { h: '{{ define "labels" }}a: {{ .a }}\nb: 2{{ end }}' },
    data: { a: 1 },
    want: "x:\n  a: 1\n  b: 2",
  },
  {
    name: "template action with a pipeline",
    template: '{{ template "t2" .x }}',
    partials: { h: '{{ define "t2" }}[{{ . }}]{{ end }}' },
    data: { x: "v" },
    want: "[v]",
  },
  { name: "block defines and runs", template: '{{ block "b" . }}default{{ end }}', want: "default" },
  { name: "parenthesised pipeline", template: '{{ (printf "%s" "a") | upper }}', want: "A" },
  { name: "eq with several arguments", template: '{{ eq .x "a" "b" "c" }}', data: { x: "b" }, want: "true" },
  {
    name: "len index slice",
    template: "{{ len .l }} {{ index .l 1 }} {{ slice .s 1 3 }}",
    data: { l: ["a", "b"], s: ["h", "e", "l", "l", "o"] },
    want: "2 b [e l]",
  },
  {
    name: "index into nested maps",
    template: '{{ index .m "a" "b" }}',
    data: { m: { a: { b: "deep" } } },
    want: "deep",
  },
  {
    name: "tpl renders values as templates",
    template: "{{ tpl .Values.t . }}",
    data: { Values: { t: "{{ .Values.x }}!", x: "hi" } },
    want: "hi!",
  },
];

const SPRIG: Case[] = [
  { name: "default on 0", template: '{{ default "d" .v }}', data: { v: 0 }, want: "d" },
  { name: "default on empty string", template: '{{ default "d" .v }}', data: { v: "" }, want: "d" },
  { name: "default on nil", template: '{{ default "d" .v }}', data: { v: null }, want: "d" },
  { name: "default on empty list", template: '{{ default "d" .v }}', data: { v: [] }, want: "d" },
  { name: "default on empty map", template: '{{ default "d" .v }}', data: { v: {} }, want: "d" },
  { name: "default keeps a value", template: '{{ default "d" .v }}', data: { v: "x" }, want: "x" },
  { name: "empty on 0", template: "{{ empty .v }}", data: { v: 0 }, want: "true" },
  { name: "empty on a non-empty map", template: "{{ empty .v }}", data: { v: { a: 1 } }, want: "false" },
  { name: "coalesce skips empty values", template: '{{ coalesce .a .b "c" }}', data: { a: "", b: 0 }, want: "c" },
  {
    name: "toYaml sorts keys and does not indent lists",
    template: "{{ toYaml .v }}",
    data: { v: { b: [1, 2], a: { c: "x" } } },
    want: "a:\n  c: x\nb:\n- 1\n- 2",
  },
  { name: "toYaml of an empty map", template: "{{ toYaml .v }}", data: { v: {} }, want: "{}" },
  {
    name: "toYaml quotes strings that look like other types",
    template: "{{ toYaml .v }}",
    data: { v: { a: "true", b: "80" } },
    want: 'a: "true"\nb: "80"',
  },
  {
    name: "toJson sorts keys and escapes html",
    template: "{{ toJson .m }}",
    data: { m: { b: 1, a: "<x>" } },
    want: '{"a":"\\u003cx\\u003e","b":1}',
  },
  { name: "fromYaml", template: '{{ (fromYaml "a: 1").a }}', want: "1" },
  { name: "fromJson", template: '{{ (fromJson "{\\"a\\": \\"b\\"}").a }}', want: "b" },
  { name: "semverCompare with Helm's -0 form", template: '{{ semverCompare ">=1.19-0" "v1.29.0" }}', want: "true" },
  { name: "semverCompare below", template: '{{ semverCompare "<1.19" "v1.29.0" }}', want: "false" },
  { name: "semverCompare tilde", template: '{{ semverCompare "~1.2" "1.2.9" }}', want: "true" },
  { name: "semver fields", template: '{{ (semver "1.2.3-beta").Minor }}', want: "2" },
  {
    name: "trim/trimAll/nospace",
    template: '{{ trim "  a " }}|{{ trimAll "$" "$5.00$" }}|{{ nospace "a b c" }}',
    want: "a|5.00|abc",
  },
  {
    name: "trunc/trimSuffix/trimPrefix",
    template: '{{ trunc 3 "abcdef" }}|{{ trimSuffix "-" "ab-" }}|{{ trimPrefix "x" "xy" }}',
    want: "abc|ab|y",
  },
  { name: "abbrev", template: '{{ abbrev 5 "hello world" }}', want: "he..." },
  {
    name: "case conversions",
    template: '{{ camelcase "http_server" }} {{ kebabcase "FirstName" }} {{ snakecase "FirstName" }}',
    want: "HttpServer first-name first_name",
  },
  {
    name: "title and untitle",
    template: '{{ title "hello world" }}|{{ untitle "Hello World" }}',
    want: "Hello World|hello world",
  },
  {
    name: "repeat substr replace",
    template: '{{ repeat 3 "ab" }} {{ substr 1 3 "hello" }} {{ replace "a" "o" "banana" }}',
    want: "ababab el bonono",
  },
  { name: "splitList join", template: '{{ splitList "," "a,b" | join "-" }}', want: "a-b" },
  { name: "split", template: '{{ $s := split "$" "foo$bar" }}{{ $s._1 }}', want: "bar" },
  { name: "sortAlpha", template: '{{ list "b" "a" | sortAlpha }}', want: "[a b]" },
  {
    name: "dict get set hasKey",
    template: '{{ $d := dict "a" "x" }}{{ $_ := set $d "b" "y" }}{{ get $d "a" }}{{ get $d "b" }} {{ hasKey $d "b" }}',
    want: "xy true",
  },
  {
    name: "pick and omit",
    template: '{{ pick .m "a" | toJson }} {{ omit .m "a" | toJson }}',
    data: { m: { a: 1, b: 2 } },
    want: '{"a":1} {"b":2}',
  },
  { name: "pluck", template: '{{ pluck "a" (dict "a" 1) (dict "a" 2) | toJson }}', want: "[1,2]" },
  {
    name: "dig",
    template: '{{ dig "a" "b" "def" .m }} {{ dig "a" "z" "def" .m }}',
    data: { m: { a: { b: "found" } } },
    want: "found def",
  },
  {
    name: "keys and values",
    template: '{{ keys .m | join "," }} {{ values .m | toJson }}',
    data: { m: { b: 2, a: 1 } },
    want: "a,b [1,2]",
  },
  {
    name: "list helpers",
    template:
      "{{ list 1 2 3 | rest }} {{ list 1 2 3 | initial }} {{ list 1 2 3 | reverse }} " +
      '{{ without (list 1 2 1) 1 }} {{ compact (list 0 1 "" 2) }} {{ uniq (list 1 1 2) }}',
    want: "[2 3] [1 2] [3 2 1] [2] [1 2] [1 2]",
  },
  {
    name: "first last append prepend has",
    template:
      "{{ first (list 1 2) }}{{ last (list 1 2) }} {{ append (list 1) 2 }} {{ prepend (list 1) 0 }} {{ has 2 (list 1 2) }}",
    want: "12 [1 2] [0 1] true",
  },
  { name: "until and seq", template: "{{ until 3 | toJson }} {{ seq 3 }} {{ seq 2 4 }}", want: "[0,1,2] 1 2 3 2 3 4" },
  {
    name: "math",
    template:
      "{{ add 1 2 3 }} {{ sub 5 2 }} {{ mul 2 3 }} {{ div 7 2 }} {{ mod 7 2 }} {{ max 1 5 3 }} {{ min 4 2 }} {{ add1 1 }}",
    want: "6 3 6 3 1 5 2 2",
  },
  {
    name: "float math and conversions",
    template: '{{ mulf 1.5 2 }} {{ int 3.7 }} {{ atoi "42" | add 1 }} {{ float64 "1.5" }} {{ toStrings (list 1 2) }}',
    want: "3 3 43 1.5 [1 2]",
  },
  {
    name: "encodings and hashes",
    template: '{{ b64enc "hi" }} {{ b64dec "aGk=" }} {{ sha1sum "abc" }} {{ adler32sum "abc" }}',
    want: "aGk= hi a9993e364706816aba3e25717850c26c9cd0d89d 38600999",
  },
  {
    name: "sha256sum",
    template: '{{ sha256sum "abc" }}',
    want: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  },
  {
    name: "regex functions",
    template:
      '{{ regexMatch "^a.c$" "abc" }} {{ regexFind "[0-9]+" "ab12cd34" }} {{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }}',
    want: "true 12 -W-xxW-",
  },
  {
    name: "kindOf typeOf kindIs",
    template:
      '{{ kindOf .m }} {{ kindOf 1 }} {{ kindOf .f }} {{ kindIs "slice" .l }} {{ typeOf "x" }} {{ typeIs "string" "x" }}',
    data: { m: {}, f: 1.5, l: [] },
    want: "map int float64 true string true",
  },
  {
    name: "deepEqual ternary",
    template: '{{ deepEqual (list 1 2) (list 1 2) }} {{ ternary "a" "b" false }}',
    want: "true b",
  },
  {
    name: "quote squote cat",
    template: '{{ quote "a" 1 }} {{ squote "a" }} {{ cat "a" 1 nil "b" }}',
    want: '"a" "1" \'a\' a 1 b',
  },
  {
    name: "indent wrap plural",
    template: '{{ indent 2 "a\\nb" }}|{{ wrap 5 "aaa bbb ccc" }}|{{ plural "one" "many" 2 }}',
    want: "  a\n  b|aaa\nbbb\nccc|many",
  },
  {
    name: "upper lower contains hasPrefix hasSuffix",
    template:
      '{{ upper "a" }}{{ lower "B" }} {{ contains "el" "hello" }} {{ hasPrefix "he" "hello" }} {{ hasSuffix "lo" "hello" }}',
    want: "Ab true true true",
  },
  {
    name: "merge keeps the destination",
    template: '{{ $d := dict "a" 1 }}{{ $_ := merge $d (dict "a" 2 "b" 3) }}{{ toJson $d }}',
    want: '{"a":1,"b":3}',
  },
  {
    name: "mergeOverwrite lets sources win",
    template: '{{ $d := dict "a" 1 }}{{ $_ := mergeOverwrite $d (dict "a" 2 "b" 3) }}{{ toJson $d }}',
    want: '{"a":2,"b":3}',
  },
  {
    name: "unset and deepCopy",
    template:
      '{{ $d := dict "a" 1 "b" 2 }}{{ $c := deepCopy $d }}{{ $_ := unset $d "a" }}{{ toJson $d }} {{ toJson $c }}',
    want: '{"b":2} {"a":1,"b":2}',
  },
  { name: "required passes a value through", template: '{{ required "msg" "x" }}', want: "x" },
  { name: "lookup is empty offline", template: '{{ lookup "v1" "Secret" "ns" "n" | toJson }}', want: "{}" },
  {
    name: "now and date use the fixed clock",
    template: '{{ now | date "2006-01-02T15:04:05Z07:00" }}',
    want: "1970-01-01T00:00:00Z",
  },
  {
    name: "toDate then date",
    template: '{{ toDate "2006-01-02" "2024-03-05" | date "Jan 2, 2006" }}',
    want: "Mar 5, 2024",
  },
  { name: "duration", template: "{{ duration 90 }}", want: "1m30s" },
];

describe("Go template semantics", () => {
  it.each([...TRUTHINESS, ...PRINTING, ...CONTROL, ...SPRIG])("$name", (c) => {
    expect(render(c)).toBe(c.want);
  });

  it("randomness is seeded: the same seed gives the same output", () => {
    const text = "{{ uuidv4 }} {{ randAlphaNum 8 }}";
    const first = renderTemplateString(text, {}, { randomSeed: 7 });
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12} [A-Za-z0-9]{8}$/);
    expect(renderTemplateString(text, {}, { randomSeed: 7 })).toBe(first);
    expect(renderTemplateString(text, {}, { randomSeed: 8 })).not.toBe(first);
  });
});

interface ErrorCase {
  readonly name: string;
  readonly template: string;
  readonly data?: unknown;
  readonly message: string;
}

const ERRORS: ErrorCase[] = [
  {
    name: "unknown function is a parse error",
    template: "a\n{{ nope 1 }}",
    message: 'template: t:2: function "nope" not defined',
  },
  { name: "unclosed action", template: "{{ .a ", message: "template: t:1: unclosed action" },
  { name: "missing end", template: "{{ if .a }}x", message: "template: t:1: unexpected EOF" },
  { name: "undefined variable", template: "{{ $x }}", message: 'template: t:1: undefined variable "$x"' },
  { name: "break outside range", template: "{{ break }}", message: "template: t:1: {{break}} outside {{range}}" },
  {
    name: "field of nil",
    template: "{{ .a.b }}",
    message: 'template: t:1:5: executing "t" at <.a.b>: nil pointer evaluating interface {}.b',
  },
  {
    name: "required without a value",
    template: '{{ required "need x" .x }}',
    message: "execution error at (t:1:3): need x",
  },
  { name: "fail", template: 'line\n  {{ fail "boom" }}', message: "execution error at (t:2:5): boom" },
  {
    name: "eq of incompatible types",
    template: '{{ eq 1 "a" }}',
    message: 'template: t:1:3: executing "t" at <eq 1 "a">: error calling eq: incompatible types for comparison',
  },
  {
    name: "index out of range",
    template: "{{ index .l 5 }}",
    data: { l: [1] },
    message: "error calling index: index out of range: 5",
  },
  {
    name: "include of an unknown template",
    template: '{{ include "nope" . }}',
    message: 'error calling include: template: no template "nope" associated with template "gotpl"',
  },
  {
    name: "recursive include stops",
    template: '{{ include "loop" . }}',
    message: "rendering template has a nested reference name: loop",
  },
];

describe("template errors", () => {
  it.each(ERRORS)("$name", (c) => {
    const partials = { h: '{{- define "loop" -}}{{ include "loop" . }}{{- end }}' };
    let caught: unknown;
    try {
      renderTemplateString(c.template, c.data ?? {}, { name: "t", partials });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(VelaError);
    expect((caught as VelaError).code).toBe("E_CHART_TEMPLATE");
    expect((caught as VelaError).message).toContain(c.message);
  });
});
