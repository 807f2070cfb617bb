/**
 * Helm's function map, ported from the cases of Helm's `pkg/engine/funcs_test.go` (`TestFuncs`,
 * `TestMerge`) and of sprig's tests (`strings_test.go`, `list_test.go`, `dict_test.go`,
 * `defaults_test.go`, `numeric_test.go`, `regex_test.go`, `crypto_test.go`, `paths_test.go`,
 * `url_test.go`, `semver_test.go`). The expected outputs are Helm's and sprig's; values files give
 * float64 numbers, template literals ints, as in Go.
 */
import { describe, expect, it } from "vitest";
import { HELM_FUNCTION_NAMES, renderTemplateString } from "../../src/chart/index.js";
import { VelaError } from "../../src/errors/index.js";

interface Case {
  readonly name: string;
  readonly template: string;
  readonly want: string;
  readonly data?: unknown;
}

const render = (c: Pick<Case, "template" | "data">): string =>
  renderTemplateString(c.template, c.data ?? {}, { name: "test" });

const HELM_FUNCS: Case[] = [
  { name: "toYaml", template: "{{ toYaml . }}", want: "foo: bar", data: { foo: "bar" } },
  { name: "toToml", template: "{{ toToml . }}", want: 'foo = "bar"\n', data: { foo: "bar" } },
  { name: "toJson", template: "{{ toJson . }}", want: '{"foo":"bar"}', data: { foo: "bar" } },
  { name: "fromYaml", template: "{{ fromYaml . }}", want: "map[hello:world]", data: "hello: world" },
  {
    name: "fromYamlArray block",
    template: "{{ fromYamlArray . }}",
    want: "[one 2 map[name:helm]]",
    data: "- one\n- 2\n- name: helm\n",
  },
  {
    name: "fromYamlArray flow",
    template: "{{ fromYamlArray . }}",
    want: "[one 2 map[name:helm]]",
    data: '["one", 2, { "name": "helm" }]',
  },
  {
    name: "toToml nested table (#2271)",
    template: "{{ toToml . }}",
    want: '[mast]\n  sail = "white"\n',
    data: { mast: { sail: "white" } },
  },
  {
    name: "fromYaml of a list",
    template: "{{ fromYaml . }}",
    want: "map[Error:error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}]",
    data: "- one\n- two\n",
  },
  { name: "fromJson", template: "{{ fromJson .}}", want: "map[hello:world]", data: '{"hello":"world"}' },
  {
    name: "fromJson of a list",
    template: "{{ fromJson . }}",
    want: "map[Error:json: cannot unmarshal array into Go value of type map[string]interface {}]",
    data: '["one", "two"]',
  },
  {
    name: "fromJsonArray",
    template: "{{ fromJsonArray . }}",
    want: "[one 2 map[name:helm]]",
    data: '["one", 2, { "name": "helm" }]',
  },
  {
    name: "fromJsonArray of an object",
    template: "{{ fromJsonArray . }}",
    want: "[json: cannot unmarshal object into Go value of type []interface {}]",
    data: '{"hello": "world"}',
  },
  {
    name: "merge keeps dst",
    template: "{{ merge .dict (fromYaml .yaml) }}",
    want: "map[a:map[b:c]]",
    data: { dict: { a: { b: "c" } }, yaml: '{"a":{"b":"d"}}' },
  },
  {
    name: "merge into fromYaml",
    template: "{{ merge (fromYaml .yaml) .dict }}",
    want: "map[a:map[b:d]]",
    data: { dict: { a: { b: "c" } }, yaml: '{"a":{"b":"d"}}' },
  },
  {
    name: "fromYamlArray of a map",
    template: "{{ fromYamlArray . }}",
    want: "[error unmarshaling JSON: while decoding JSON: json: cannot unmarshal object into Go value of type []interface {}]",
    data: "hello: world",
  },
  {
    name: "lookup is empty offline (#7955)",
    template: '{{ lookup "v1" "Namespace" "" "unlikelynamespace99999999" }}',
    want: "map[]",
  },
  {
    name: "TestMerge",
    template: "{{ merge .dst .src1 .src2 }}",
    want: "map[a:one b:2 c:3 d:map[e:four f:5] g:[8 9] h:10 i:eye j:jay k:map[l:true]]",
    data: {
      src2: { h: 10, i: "i", j: "j" },
      src1: { a: 1, b: 2, d: { e: "four" }, g: [6, 7], i: "aye", j: "jay", k: { l: false } },
      dst: { a: "one", c: 3, d: { f: 5 }, g: [8, 9], i: "eye", k: { l: true } },
    },
  },
  {
    name: "toYamlPretty indents lists",
    template: "{{ toYamlPretty . }}",
    want: "a:\n  - 1\n  - 2",
    data: { a: [1, 2] },
  },
  {
    name: "toYaml quotes YAML 1.1 booleans",
    template: "{{ toYaml . }}",
    want: 'a: "yes"\nb: "on"\nc: "0755"',
    data: { a: "yes", b: "on", c: "0755" },
  },
  { name: "toToml floats keep a point", template: "{{ toToml . }}", want: "n = 3.0\n", data: { n: 3 } },
  {
    name: "tpl sees defines made in its text",
    template: '{{ tpl "{{ define \\"x\\" }}hi{{ end }}{{ include \\"x\\" . }}" . }}',
    want: "hi",
  },
  { name: "required passes a value", template: '{{ required "need" .a }}', want: "x", data: { a: "x" } },
];

const SPRIG: Case[] = [
  // strings_test.go
  { name: "substr", template: '{{"fooo" | substr 0 3 }}', want: "foo" },
  { name: "trunc", template: '{{ "foooooo" | trunc 5 }}', want: "foooo" },
  { name: "trunc negative", template: '{{ "baaaaaar" | trunc -5 }}', want: "aaaar" },
  { name: "trunc past the end", template: '{{ "baaaaaz" | trunc -10 }}', want: "baaaaaz" },
  { name: "quote", template: '{{quote "a" "b" "c"}}', want: '"a" "b" "c"' },
  { name: "quote escapes", template: '{{quote "\\"a\\"" "b" "c"}}', want: '"\\"a\\"" "b" "c"' },
  { name: "quote of 1 2 3", template: "{{quote 1 2 3 }}", want: '"1" "2" "3"' },
  { name: "quote of nil", template: "{{ .value | quote }}", want: "", data: { value: null } },
  { name: "squote", template: '{{squote "a" "b" "c"}}', want: "'a' 'b' 'c'" },
  { name: "squote of missing", template: "{{ .value | squote }}", want: "" },
  { name: "contains", template: '{{"abc" | contains "b"}}', want: "true" },
  { name: "contains no", template: '{{"abc" | contains "d"}}', want: "false" },
  { name: "trimAll", template: '{{"$5.00" | trimAll "$"}}', want: "5.00" },
  { name: "trimSuffix", template: '{{"foo.go" | trimSuffix ".go"}}', want: "foo" },
  { name: "trimPrefix", template: '{{"foo.go" | trimPrefix "foo"}}', want: ".go" },
  { name: "hasPrefix", template: '{{"foo" | hasPrefix "f"}}', want: "true" },
  { name: "hasSuffix", template: '{{"foo" | hasSuffix "o"}}', want: "true" },
  { name: "join", template: '{{ tuple "a" "b" "c" | join "-" }}', want: "a-b-c" },
  { name: "join ints", template: '{{ tuple 1 2 3 | join "-" }}', want: "1-2-3" },
  { name: "join of a string list", template: '{{ join "-" .V }}', want: "a-b-c", data: { V: ["a", "b", "c"] } },
  { name: "join of a string", template: '{{ join "-" .V }}', want: "abc", data: { V: "abc" } },
  { name: "join of ints", template: '{{ join "-" .V }}', want: "1-2-3", data: { V: [1, 2, 3] } },
  { name: "sortAlpha", template: "{{ list 4 3 2 1 | sortAlpha }}", want: "[1 2 3 4]" },
  { name: "split", template: '{{$v := "foo$bar$baz" | split "$"}}{{$v._0}}', want: "foo" },
  { name: "splitList", template: '{{$v := "foo$bar$baz" | splitList "$"}}{{index $v 0}}', want: "foo" },
  { name: "splitn", template: '{{$v := "foo$bar$baz" | splitn "$" 2}}{{$v._0}}', want: "foo" },
  { name: "splitn rest", template: '{{$v := "foo$bar$baz" | splitn "$" 2}}{{$v._1}}', want: "bar$baz" },
  { name: "toString", template: "{{ toString 1 }}", want: "1" },
  { name: "toStrings", template: "{{ $s := list 1 2 3 | toStrings }}{{ index $s 1 | kindOf }}", want: "string" },
  { name: "indent", template: '{{indent 4 "a\\nb\\nc"}}', want: "    a\n    b\n    c" },
  { name: "nindent", template: '{{nindent 4 "a\\nb\\nc"}}', want: "\n    a\n    b\n    c" },
  { name: "replace", template: '{{"I Am Henry VIII" | replace " " "-"}}', want: "I-Am-Henry-VIII" },
  { name: "plural", template: '{{$num := len "two"}}{{$num}} {{$num | plural "1 char" "chars"}}', want: "3 chars" },
  { name: "plural one", template: '{{$num := len "t"}}{{$num}} {{$num | plural "1 char" "chars"}}', want: "1 1 char" },
  { name: "cat", template: '{{$b := "b"}}{{"c" | cat "a" $b}}', want: "a b c" },
  { name: "cat skips nil", template: '{{ cat "a" nil "c" }}', want: "a c" },
  { name: "repeat", template: '{{ "a" | repeat 3 }}', want: "aaa" },
  { name: "upper lower", template: '{{ "foo" | upper }} {{ "FOO" | lower }}', want: "FOO foo" },
  { name: "title", template: '{{ "hello world" | title }}', want: "Hello World" },
  { name: "title breaks at an apostrophe", template: `{{ "it's" | title }}`, want: "It'S" },
  { name: "untitle", template: '{{ "Hello World" | untitle }}', want: "hello world" },
  { name: "initials", template: '{{ "First Try" | initials }}', want: "FT" },
  { name: "abbrev", template: '{{ "hello world" | abbrev 5 }}', want: "he..." },
  { name: "abbrevboth", template: '{{ "1234 5678 9123" | abbrevboth 5 10 }}', want: "...5678..." },
  { name: "nospace", template: '{{ "h e l l o " | nospace }}', want: "hello" },
  { name: "swapcase", template: '{{ "This Is A.Test" | swapcase }}', want: "tHIS iS a.tEST" },
  { name: "wrap", template: '{{ "This is a long string" | wrap 10 }}', want: "This is a\nlong\nstring" },
  {
    name: "wrapWith",
    template: '{{ "This is a long string" | wrapWith 10 "<br>" }}',
    want: "This is a<br>long<br>string",
  },
  { name: "snakecase", template: '{{ "FirstName" | snakecase }}', want: "first_name" },
  { name: "snakecase acronym", template: '{{ "HTTPServer" | snakecase }}', want: "http_server" },
  { name: "snakecase digits", template: '{{ "http2xx" | snakecase }}', want: "http_2xx" },
  { name: "snakecase digits inside", template: '{{ "Bld4Floor3rd" | snakecase }}', want: "bld4_floor_3rd" },
  { name: "kebabcase", template: '{{ "FirstName" | kebabcase }}', want: "first-name" },
  { name: "camelcase", template: '{{ "http_server" | camelcase }}', want: "HttpServer" },
  { name: "camelcase leading underscore", template: '{{ "_camel_case" | camelcase }}', want: "_CamelCase" },
  { name: "camelcase double connector", template: '{{ "_complex__case_" | camelcase }}', want: "_Complex_Case_" },
  { name: "camelcase all", template: '{{ "all" | camelcase }}', want: "All" },
  // list_test.go
  { name: "list", template: "{{ list 1 2 3 }}", want: "[1 2 3]" },
  { name: "append", template: "{{ $t := tuple 1 2 3  }}{{ append $t 4 | len }}", want: "4" },
  { name: "push", template: "{{ $t := tuple 1 2 3  }}{{ push $t 4 }}", want: "[1 2 3 4]" },
  { name: "prepend", template: "{{ $t := tuple 1 2 3  }}{{ prepend $t 0 }}", want: "[0 1 2 3]" },
  { name: "first", template: "{{ list 1 2 3 | first }}", want: "1" },
  { name: "first of empty", template: "{{ list | first }}", want: "<no value>" },
  { name: "last", template: "{{ list 1 2 3 | last }}", want: "3" },
  { name: "rest", template: "{{ list 1 2 3 | rest }}", want: "[2 3]" },
  { name: "initial", template: "{{ list 1 2 3 | initial }}", want: "[1 2]" },
  { name: "reverse", template: "{{ list 1 2 3 | reverse }}", want: "[3 2 1]" },
  { name: "reverse empty", template: "{{ list | reverse }}", want: "[]" },
  { name: "compact", template: '{{ list 1 0 "" "hello" | compact }}', want: "[1 hello]" },
  { name: "uniq", template: "{{ list 1 2 3 2 1 | uniq }}", want: "[1 2 3]" },
  { name: "without", template: "{{ without (list 1 2 3 4) 1 3 }}", want: "[2 4]" },
  { name: "has", template: "{{ list 1 2 3 | has 1 }}", want: "true" },
  { name: "has not", template: "{{ list 1 2 3 | has 4 }}", want: "false" },
  { name: "has of nil", template: "{{ .nope | has 1 }}", want: "false" },
  { name: "slice", template: "{{ slice (list 1 2 3) 1 2 }}", want: "[2]" },
  { name: "slice open end", template: "{{ slice (list 1 2 3) 1 }}", want: "[2 3]" },
  { name: "concat", template: "{{ concat (list 1 2) (list 3) }}", want: "[1 2 3]" },
  { name: "chunk", template: "{{ chunk 2 (list 1 2 3 4 5) }}", want: "[[1 2] [3 4] [5]]" },
  { name: "until", template: "{{ until 5 }}", want: "[0 1 2 3 4]" },
  { name: "untilStep", template: "{{ untilStep 0 10 3 }}", want: "[0 3 6 9]" },
  { name: "until negative", template: "{{ until -3 }}", want: "[0 -1 -2]" },
  { name: "seq", template: "{{ seq 5 }}", want: "1 2 3 4 5" },
  { name: "seq down", template: "{{ seq 3 1 }}", want: "3 2 1" },
  { name: "seq step", template: "{{ seq 0 2 10 }}", want: "0 2 4 6 8 10" },
  // dict_test.go
  { name: "dict", template: '{{ $d := dict "a" 1 "b" 2 }}{{ $d.b }}', want: "2" },
  { name: "dict odd", template: '{{ $d := dict "a" }}[{{ $d.a }}]', want: "[]" },
  { name: "get", template: '{{ $d := dict "one" 1 }}{{ get $d "one" }}', want: "1" },
  { name: "get missing", template: '{{ $d := dict "one" 1 }}[{{ get $d "two" }}]', want: "[]" },
  { name: "set", template: '{{ $d := dict "one" 1 }}{{ $_ := set $d "two" 2 }}{{ $d.two }}', want: "2" },
  { name: "unset", template: '{{ $d := dict "one" 1 "two" 2 }}{{ $_ := unset $d "two" }}{{ len $d }}', want: "1" },
  {
    name: "hasKey",
    template: '{{ $d := dict "one" 1 }}{{ hasKey $d "one" }} {{ hasKey $d "two" }}',
    want: "true false",
  },
  { name: "pluck", template: '{{ $a := dict "one" 1 }}{{ $b := dict "one" 2 }}{{ pluck "one" $a $b }}', want: "[1 2]" },
  { name: "keys", template: '{{ keys (dict "a" 1 "b" 2) (dict "c" 3) | sortAlpha }}', want: "[a b c]" },
  { name: "pick", template: '{{ pick (dict "a" 1 "b" 2 "c" 3) "a" "c" }}', want: "map[a:1 c:3]" },
  { name: "omit", template: '{{ omit (dict "a" 1 "b" 2 "c" 3) "a" "c" }}', want: "map[b:2]" },
  { name: "values", template: '{{ values (dict "a" 1 "b" 2) | sortAlpha }}', want: "[1 2]" },
  { name: "dig", template: '{{ dig "a" "b" "zz" (dict "a" (dict "b" "c")) }}', want: "c" },
  { name: "dig default", template: '{{ dig "a" "x" "zz" (dict "a" (dict "b" "c")) }}', want: "zz" },
  { name: "mergeOverwrite", template: '{{ mergeOverwrite (dict "a" 1 "b" 2) (dict "b" 3) }}', want: "map[a:1 b:3]" },
  {
    name: "merge treats false as empty",
    template: '{{ merge (dict "a" false) (dict "a" true) }}',
    want: "map[a:true]",
  },
  {
    name: "deepCopy",
    template: '{{ $a := dict "x" (list 1) }}{{ $b := deepCopy $a }}{{ $_ := set $b "x" 2 }}{{ $a.x }}',
    want: "[1]",
  },
  // defaults_test.go
  { name: "default of missing", template: '{{ .Nothing | default "123" }}', want: "123" },
  { name: "default keeps a value", template: '{{ "string" | default "123" }}', want: "string" },
  { name: "default of empty string", template: '{{ "" | default "123" }}', want: "123" },
  { name: "default of false", template: '{{ false | default "123" }}', want: "123" },
  { name: "default of zero", template: '{{ 0 | default "123" }}', want: "123" },
  { name: "default of empty list", template: '{{ list | default "123" }}', want: "123" },
  { name: "empty", template: "{{ empty .Nothing }} {{ empty 1 }} {{ empty list }}", want: "true false true" },
  { name: "coalesce", template: '{{ coalesce "" 0 nil 2 }}', want: "2" },
  { name: "coalesce all empty", template: '{{ coalesce "" 0 nil }}', want: "<no value>" },
  { name: "all", template: '{{ all 1 "a" true }} {{ all 1 "" }}', want: "true false" },
  { name: "any", template: '{{ any "" 0 "a" }} {{ any "" 0 }}', want: "true false" },
  { name: "ternary", template: '{{ true | ternary "foo" "bar" }} {{ false | ternary "foo" "bar" }}', want: "foo bar" },
  {
    name: "toJson of map",
    template: "{{ toJson . }}",
    want: '{"Top":{"bool":true,"number":42,"string":"test"}}',
    data: { Top: { bool: true, string: "test", number: 42 } },
  },
  { name: "toPrettyJson", template: "{{ toPrettyJson . }}", want: '{\n  "a": 1\n}', data: { a: 1 } },
  { name: "toRawJson keeps html", template: "{{ toRawJson . }}", want: '{"a":"<b>"}', data: { a: "<b>" } },
  { name: "toJson escapes html", template: "{{ toJson . }}", want: '{"a":"\\u003cb\\u003e"}', data: { a: "<b>" } },
  // numeric_test.go
  { name: "add", template: "{{ add 1 2 3 }}", want: "6" },
  { name: "add1", template: "{{ add1 1 }}", want: "2" },
  { name: "sub", template: "{{ sub 3 1 }}", want: "2" },
  { name: "mul", template: "{{ mul 2 3 4 }}", want: "24" },
  { name: "div", template: "{{ div 10 3 }}", want: "3" },
  { name: "mod", template: "{{ mod 10 3 }}", want: "1" },
  { name: "max", template: "{{ max 1 5 3 }}", want: "5" },
  { name: "min", template: "{{ min 1 5 -3 }}", want: "-3" },
  { name: "biggest", template: "{{ biggest 1 2 3 345 5 6 7}}", want: "345" },
  { name: "addf", template: "{{ addf 1.5 2 2 }}", want: "5.5" },
  { name: "add1f", template: "{{ add1f 1.5 }}", want: "2.5" },
  { name: "subf", template: "{{ subf 4.5 2 2 }}", want: "0.5" },
  { name: "mulf is decimal", template: "{{ mulf 1.1 3 }}", want: "3.3" },
  { name: "mulf", template: "{{ mulf 1.5 2 2 }}", want: "6" },
  { name: "divf", template: "{{ divf 16 2 4 }}", want: "2" },
  { name: "maxf", template: "{{ maxf 1 2.5 -3 }}", want: "2.5" },
  { name: "minf", template: "{{ minf 1 2.5 -3 }}", want: "-3" },
  { name: "floor", template: '{{ floor "123.9999" }}', want: "123" },
  { name: "ceil", template: '{{ ceil "123.001" }}', want: "124" },
  { name: "round", template: '{{ round "123.555555" 3 }}', want: "123.556" },
  { name: "round with roundOn", template: '{{ round "123.4999" 3 0.0001 }}', want: "123.5" },
  { name: "int of a float", template: "{{ int 1.9 }}", want: "1" },
  { name: "int64 of a string", template: '{{ int64 "42" | typeOf }}', want: "int64" },
  { name: "int of an octal string", template: '{{ int "010" }}', want: "8" },
  { name: "float64", template: '{{ float64 "1.5" }}', want: "1.5" },
  { name: "atoi", template: '{{ atoi "42" }}', want: "42" },
  { name: "toDecimal", template: '{{ toDecimal "777" }}', want: "511" },
  { name: "typeOf add", template: "{{ typeOf (add 1 2) }}", want: "int64" },
  // regex_test.go
  { name: "regexMatch", template: '{{ regexMatch "^[a-z]+\\\\[[0-9]+\\\\]$" "test[1]" }}', want: "true" },
  { name: "regexFindAll", template: '{{ regexFindAll "a." "abcadaeaf" -1 }}', want: "[ab ad ae af]" },
  { name: "regexFindAll limited", template: '{{ regexFindAll "a." "abcadaeaf" 2 }}', want: "[ab ad]" },
  { name: "regexFind", template: '{{ regexFind "a(b+)" "aaabbb" }}', want: "abbb" },
  { name: "regexReplaceAll", template: '{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }}', want: "-W-xxW-" },
  {
    name: "regexReplaceAll $1W is group 1W",
    template: '{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "$1W" }}',
    want: "---",
  },
  {
    name: "regexReplaceAllLiteral",
    template: '{{ regexReplaceAllLiteral "a(x*)b" "-ab-axxb-" "${1}" }}',
    want: "-${1}-${1}-",
  },
  { name: "regexSplit", template: '{{ regexSplit "a" "banana" -1 }}', want: "[b n n ]" },
  { name: "regexSplit limited", template: '{{ regexSplit "z+" "pizza" -1 }}', want: "[pi a]" },
  { name: "regexQuoteMeta", template: '{{ regexQuoteMeta "1.2.3" }}', want: "1\\.2\\.3" },
  { name: "regex inline flag", template: '{{ regexMatch "(?i)HELLO" "say hello" }}', want: "true" },
  // crypto_test.go
  { name: "sha1sum", template: '{{ "abc" | sha1sum }}', want: "a9993e364706816aba3e25717850c26c9cd0d89d" },
  {
    name: "sha256sum",
    template: '{{ "abc" | sha256sum }}',
    want: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  },
  { name: "adler32sum", template: '{{ "abc" | adler32sum }}', want: "38600999" },
  {
    name: "derivePassword",
    template: '{{ derivePassword 1 "long" "password" "user" "example.com" }}',
    want: "ZedaFaxcZaso9*",
  },
  {
    name: "encryptAES round trip",
    template: '{{ "plaintext" | encryptAES "secretkey" | decryptAES "secretkey" }}',
    want: "plaintext",
  },
  { name: "htpasswd", template: '{{ htpasswd "myUser" "myPassword" | hasPrefix "myUser:$2a$10$" }}', want: "true" },
  { name: "htpasswd refuses a colon", template: '{{ htpasswd "my:User" "p" }}', want: "invalid username: my:User" },
  // encoding_test.go
  { name: "b64enc", template: '{{ "my string" | b64enc }}', want: "bXkgc3RyaW5n" },
  { name: "b64dec", template: '{{ "bXkgc3RyaW5n" | b64dec }}', want: "my string" },
  { name: "b32enc", template: '{{ "my string" | b32enc }}', want: "NV4SA43UOJUW4ZY=" },
  { name: "b32dec", template: '{{ "NV4SA43UOJUW4ZY=" | b32dec }}', want: "my string" },
  // paths_test.go
  { name: "base", template: '{{ base "foo/bar" }}', want: "bar" },
  { name: "dir", template: '{{ dir "foo/bar/baz" }}', want: "foo/bar" },
  { name: "isAbs", template: '{{ isAbs "/foo" }} {{ isAbs "foo" }}', want: "true false" },
  { name: "ext", template: '{{ ext "/foo/bar/baz.txt" }}', want: ".txt" },
  { name: "clean", template: '{{ clean "/foo/../foo/../bar" }}', want: "/bar" },
  // url_test.go
  {
    name: "urlParse",
    template:
      '{{ $u := urlParse "https://user:pass@example.com:8080/path?q=1#frag" }}{{ $u.hostname }} {{ $u.path }} {{ $u.query }} {{ $u.fragment }} {{ $u.userinfo }}',
    want: "example.com /path q=1 frag user:pass",
  },
  {
    name: "urlJoin",
    template: '{{ urlJoin (dict "scheme" "https" "host" "example.com" "path" "/p" "query" "a=1") }}',
    want: "https://example.com/p?a=1",
  },
  // semver_test.go
  {
    name: "semverCompare",
    template:
      '{{ semverCompare "1.2.3" "1.2.3" }} {{ semverCompare "^1.2.0" "1.2.3" }} {{ semverCompare "^1.2.0" "2.2.3" }}',
    want: "true true false",
  },
  { name: "semverCompare prerelease floor", template: '{{ semverCompare ">=1.21-0" "v1.28.3-gke.1" }}', want: "true" },
  {
    name: "semver fields",
    template:
      '{{ $v := semver "1.2.3-beta.1+c0ff33" }}{{ $v.Major }}.{{ $v.Minor }}.{{ $v.Patch }} {{ $v.Prerelease }} {{ $v.Metadata }}',
    want: "1.2.3 beta.1 c0ff33",
  },
  // reflect_test.go
  {
    name: "typeOf",
    template: '{{ typeOf 1 }} {{ typeOf "a" }} {{ typeOf 1.5 }} {{ typeOf (list) }} {{ typeOf (dict) }}',
    want: "int string float64 []interface {} map[string]interface {}",
  },
  {
    name: "kindOf",
    template: '{{ kindOf 1 }} {{ kindOf "a" }} {{ kindOf (list) }} {{ kindOf (dict) }} {{ kindOf nil }}',
    want: "int string slice map invalid",
  },
  { name: "kindIs", template: '{{ kindIs "map" (dict) }} {{ kindIs "slice" "a" }}', want: "true false" },
  { name: "typeIsLike", template: '{{ typeIsLike "string" "a" }}', want: "true" },
  { name: "deepEqual", template: "{{ deepEqual (list 1 2) (list 1 2) }} {{ deepEqual 1 1.0 }}", want: "true false" },
  // date_test.go (with the fixed clock at the Unix epoch)
  { name: "date", template: '{{ date "2006-01-02" now }}', want: "1970-01-01" },
  { name: "toDate", template: '{{ toDate "2006-01-02" "2017-12-31" | date "02/01/2006" }}', want: "31/12/2017" },
  { name: "dateModify", template: '{{ now | dateModify "1h" | date "15:04" }}', want: "01:00" },
  { name: "unixEpoch", template: '{{ toDate "2006-01-02" "2017-12-31" | unixEpoch }}', want: "1514678400" },
  { name: "durationRound", template: '{{ durationRound "2h10m5s" }}', want: "2h" },
  { name: "duration", template: '{{ duration "95" }}', want: "1m35s" },
];

/** Go's strictness where Helm fails, leniency where Go converts. */
const TYPING: (Case & { readonly error?: string })[] = [
  { name: "literal int for an int parameter", template: '{{ trunc 3 "abcdef" }}', want: "abc" },
  { name: "literal 3.0 for an int parameter", template: '{{ trunc 3.0 "abcdef" }}', want: "abc" },
  {
    name: "float64 value for an int parameter",
    template: '{{ trunc .n "abcdef" }}',
    want: "",
    data: { n: 3 },
    error: "wrong type for value; expected int; got float64",
  },
  {
    name: "int64 result for an int parameter",
    template: '{{ trunc (add 1 2) "abcdef" }}',
    want: "",
    error: "wrong type for value; expected int; got int64",
  },
  { name: "int conversion fixes it", template: '{{ trunc (.n | int) "abcdef" }}', want: "abc", data: { n: 3 } },
  {
    name: "nil piped into a string parameter",
    template: "{{ .missing | b64enc }}",
    want: "",
    error: "invalid value; expected string",
  },
  {
    name: "missing value as a string argument",
    template: "{{ b64enc .missing }}",
    want: "",
    error: "wrong type for value; expected string; got interface {}",
  },
  {
    name: "missing value as a bool argument",
    template: '{{ ternary "a" "b" .missing }}',
    want: "",
    error: "wrong type for value; expected bool; got interface {}",
  },
  {
    name: "eq of float64 and int",
    template: "{{ eq .n 1 }}",
    want: "",
    data: { n: 1 },
    error: "incompatible types for comparison",
  },
  { name: "interface{} parameters take anything", template: "{{ add .n 1 }}", want: "2", data: { n: 1 } },
  { name: "(x).y on a missing x is no value", template: "{{ (.a).b }}", want: "<no value>" },
  { name: "$x.y on an unset $x is no value", template: "{{ $x := .a }}{{ $x.b }}", want: "<no value>" },
  {
    name: ".a.b on a missing a fails",
    template: "{{ .a.b }}",
    want: "",
    error: "nil pointer evaluating interface {}.b",
  },
  {
    name: "sprig slice overrides Go's on strings",
    template: '{{ slice "hello" 1 3 }}',
    want: "",
    error: "list should be type of slice or array but string",
  },
  { name: "append on nil fails", template: "{{ append .missing 1 }}", want: "", error: "error calling append" },
];

describe("Helm's functions (pkg/engine/funcs_test.go)", () => {
  it.each(HELM_FUNCS)("$name", (c) => {
    expect(render(c)).toBe(c.want);
  });
});

describe("sprig (Masterminds/sprig tests)", () => {
  it.each(SPRIG)("$name", (c) => {
    expect(render(c)).toBe(c.want);
  });
});

describe("argument typing as Go's reflection does it", () => {
  it.each(TYPING)("$name", (c) => {
    if (c.error === undefined) {
      expect(render(c)).toBe(c.want);
      return;
    }
    let caught: unknown;
    try {
      render(c);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(VelaError);
    expect((caught as VelaError).code).toBe("E_CHART_TEMPLATE");
    expect((caught as VelaError).message).toContain(c.error);
  });
});

describe("the function map", () => {
  it("has every function a Helm 3 chart may name", () => {
    const required = [
      "genCA",
      "genCAWithKey",
      "genSignedCert",
      "genSignedCertWithKey",
      "genSelfSignedCert",
      "genSelfSignedCertWithKey",
      "genPrivateKey",
      "buildCustomCert",
      "mustRegexReplaceAllLiteral",
      "base",
      "dir",
      "ext",
      "clean",
      "isAbs",
      "osBase",
      "osDir",
      "osExt",
      "osClean",
      "osIsAbs",
      "toToml",
      "fromToml",
      "htpasswd",
      "bcrypt",
      "getHostByName",
      "derivePassword",
      "encryptAES",
      "decryptAES",
      "randBytes",
      "urlParse",
      "urlJoin",
      "toYamlPretty",
      "mustToYaml",
      "mustToJson",
      "fromYamlArray",
      "fromJsonArray",
      "lookup",
      "include",
      "tpl",
      "required",
      "fail",
      "sha512sum",
      "mustFromJson",
      "hello",
      "call",
      "slice",
      "and",
      "or",
    ];
    expect(required.filter((name) => !HELM_FUNCTION_NAMES.has(name))).toEqual([]);
    expect(HELM_FUNCTION_NAMES.has("env")).toBe(false);
    expect(HELM_FUNCTION_NAMES.has("expandenv")).toBe(false);
  });

  it("generates certificates node:crypto can read", async () => {
    const { X509Certificate } = await import("node:crypto");
    const out = render({
      template:
        '{{ $ca := genCA "my-ca" 365 }}{{ $c := genSignedCert "svc.ns" (list "10.0.0.1") (list "svc.ns.svc") 30 $ca }}{{ $ca.Cert }}|{{ $c.Cert }}',
    });
    const [caPem = "", certPem = ""] = out.split("|");
    const ca = new X509Certificate(caPem);
    const cert = new X509Certificate(certPem);
    expect(ca.subject).toBe("CN=my-ca");
    expect(ca.ca).toBe(true);
    expect(cert.issuer).toBe("CN=my-ca");
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.subjectAltName).toBe("DNS:svc.ns.svc, IP Address:10.0.0.1");
  });

  it("genPrivateKey writes the PEM types Go writes", () => {
    expect(render({ template: '{{ genPrivateKey "ecdsa" }}' })).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
    expect(render({ template: '{{ genPrivateKey "ed25519" }}' })).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(render({ template: '{{ genPrivateKey "nope" }}' })).toBe("Unknown type nope");
  });
});
