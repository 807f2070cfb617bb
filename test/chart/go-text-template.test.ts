/**
 * Go's `text/template` semantics, ported from the cases of `src/text/template/exec_test.go`
 * (`execTests`, `cmpTests`) that can be expressed with template data (maps, lists, scalars; Go struct
 * methods, channels and complex numbers have no counterpart). The expected outputs are Go's.
 * Data mirrors `tVal`: `I` is an int 17, `SI` a []int, `MSI` a map[string]int, `U.V` is "v".
 */
import { describe, expect, it } from "vitest";
import { fn, renderTemplateString, vfn } from "../../src/chart/index.js";

const tVal = {
  True: true,
  I: 17n,
  X: "x",
  U: { V: "v" },
  SI: [3n, 4n, 5n],
  SIEmpty: [],
  SB: [true, false],
  MSI: { one: 1n, two: 2n, three: 3n },
  MSIone: { one: 1n },
  MSIEmpty: {},
  SMSI: [
    { one: 1n, two: 2n },
    { eleven: 11n, twelve: 12n },
  ],
  MXI: { one: 1n },
  Empty0: null,
  Empty3: [7n, 8n],
  FloatZero: 0,
  PS: "a string",
};

const funcs = {
  add: fn(["int", "int"], (a, b) => a + b),
  echo: fn(["any"], (value) => value),
  makemap: vfn([], "string", (...pairs) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i + 1 < pairs.length; i += 2) out[pairs[i] ?? ""] = pairs[i + 1];
    return out;
  }),
  zeroArgs: fn([], () => "zeroArgs"),
  oneArg: fn(["string"], (a) => `oneArg=${a}`),
  twoArgs: fn(["string", "string"], (a, b) => `twoArgs=${a}${b}`),
  dddArg: vfn(["int"], "string", (a, ...b) => `${a} [${b.join(" ")}]\n`),
  mapOfThree: fn([], () => ({ three: 3n })),
  returnInt: fn([], () => 7n),
  valueString: fn(["string"], (v) => v),
};

interface Case {
  readonly name: string;
  readonly template: string;
  readonly want: string;
  readonly data?: unknown;
  /** Go's `ok`: false when execution (or parsing) must fail. */
  readonly ok?: boolean;
}

const EXEC_TESTS: Case[] = [
  // Trivial cases.
  { name: "empty", template: "", want: "" },
  { name: "text", template: "some text", want: "some text" },
  { name: "nil action", template: "{{nil}}", want: "", ok: false },
  // Ideal constants.
  { name: "ideal int", template: "{{printf `%T` 3}}", want: "int" },
  { name: "ideal float", template: "{{printf `%T` 1.0}}", want: "float64" },
  { name: "ideal exp float", template: "{{printf `%T` 1e1}}", want: "float64" },
  { name: "ideal char", template: "{{printf `%T` 'a'}}", want: "int" },
  { name: "ideal hex int", template: "{{printf `%T` 0x10}}", want: "int" },
  { name: "ideal big", template: "{{printf `%T` 1_000}}", want: "int" },
  // Fields of structs.
  { name: ".X", template: "-{{.X}}-", want: "-x-" },
  { name: ".U.V", template: "-{{.U.V}}-", want: "-v-" },
  // Fields on maps.
  { name: "map .one", template: "{{.MSI.one}}", want: "1" },
  { name: "map .two", template: "{{.MSI.two}}", want: "2" },
  { name: "map .NO", template: "{{.MSI.NO}}", want: "<no value>" },
  { name: "map .one interface", template: "{{.MXI.one}}", want: "1" },
  { name: "map .WRONG args", template: "{{.MSI.one 1}}", want: "", ok: false },
  // Dots of all kinds to test basic evaluation.
  { name: "dot int", template: "<{{.}}>", want: "<13>", data: 13n },
  { name: "dot float", template: "<{{.}}>", want: "<15.1>", data: 15.1 },
  { name: "dot bool", template: "<{{.}}>", want: "<true>", data: true },
  { name: "dot string", template: "<{{.}}>", want: "<hello>", data: "hello" },
  { name: "dot slice", template: "<{{.}}>", want: "<[-1 -2 -3]>", data: [-1n, -2n, -3n] },
  { name: "dot map", template: "<{{.}}>", want: "<map[two:22]>", data: { two: 22n } },
  // Variables.
  { name: "$ int", template: "{{$}}", want: "123", data: 123n },
  { name: "$.I", template: "{{$.I}}", want: "17", data: tVal },
  { name: "$.U.V", template: "{{$.U.V}}", want: "v", data: tVal },
  { name: "declare in action", template: "{{$x := $.U.V}}{{$x}}", want: "v", data: tVal },
  { name: "simple assignment", template: "{{$x := 2}}{{$x = 3}}{{$x}}", want: "3" },
  {
    name: "nested assignment",
    template: "{{$x := 2}}{{if true}}{{$x = 3}}{{end}}{{$x}}",
    want: "3",
  },
  {
    name: "nested assignment changes the last declaration",
    template: "{{$x := 1}}{{if true}}{{$x := 2}}{{if true}}{{$x = 3}}{{end}}{{end}}{{$x}}",
    want: "1",
  },
  // Type with String method prints nothing special; nil prints <no value>.
  { name: "V{6666}.String()", template: "-{{.}}-", want: "-<no value>-", data: null },
  // Parenthesized expressions.
  { name: "parens in pipeline", template: "{{printf `%d %d %d` (1) (2 | add 3) (add 4 (add 5 6))}}", want: "1 5 15" },
  { name: "parens: $ in paren", template: "{{($).X}}", want: "x", data: tVal },
  { name: "parens: $ in paren in pipe", template: "{{($ | echo).X}}", want: "x", data: tVal },
  { name: "parens: spaces and args", template: '{{(makemap "up" "down" "left" "right").left}}', want: "right" },
  // If.
  { name: "if true", template: "{{if true}}TRUE{{end}}", want: "TRUE" },
  { name: "if false", template: "{{if false}}TRUE{{else}}FALSE{{end}}", want: "FALSE" },
  { name: "if nil", template: "{{if nil}}TRUE{{end}}", want: "", ok: false },
  { name: "if 1", template: "{{if 1}}NON-ZERO{{else}}ZERO{{end}}", want: "NON-ZERO" },
  { name: "if 0", template: "{{if 0}}NON-ZERO{{else}}ZERO{{end}}", want: "ZERO" },
  { name: "if 1.5", template: "{{if 1.5}}NON-ZERO{{else}}ZERO{{end}}", want: "NON-ZERO" },
  { name: "if 0.0", template: "{{if .FloatZero}}NON-ZERO{{else}}ZERO{{end}}", want: "ZERO", data: tVal },
  { name: "if emptystring", template: "{{if ``}}NON-EMPTY{{else}}EMPTY{{end}}", want: "EMPTY" },
  { name: "if string", template: "{{if `notempty`}}NON-EMPTY{{else}}EMPTY{{end}}", want: "NON-EMPTY" },
  { name: "if emptyslice", template: "{{if .SIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}", want: "EMPTY", data: tVal },
  { name: "if slice", template: "{{if .SI}}NON-EMPTY{{else}}EMPTY{{end}}", want: "NON-EMPTY", data: tVal },
  { name: "if emptymap", template: "{{if .MSIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}", want: "EMPTY", data: tVal },
  { name: "if map", template: "{{if .MSI}}NON-EMPTY{{else}}EMPTY{{end}}", want: "NON-EMPTY", data: tVal },
  { name: "if map unset", template: "{{if .MXI.none}}NON-ZERO{{else}}ZERO{{end}}", want: "ZERO", data: tVal },
  { name: "if map not unset", template: "{{if not .MXI.none}}ZERO{{else}}NON-ZERO{{end}}", want: "ZERO", data: tVal },
  {
    name: "if $x with $y int",
    template: "{{if $x := true}}{{with $y := .I}}{{$x}},{{$y}}{{end}}{{end}}",
    want: "true,17",
    data: tVal,
  },
  {
    name: "if $x with $x int",
    template: "{{if $x := true}}{{with $x := .I}}{{$x}},{{end}}{{$x}}{{end}}",
    want: "17,true",
    data: tVal,
  },
  { name: "if else if", template: "{{if false}}FALSE{{else if true}}TRUE{{end}}", want: "TRUE" },
  { name: "if else chain", template: "{{if eq 1 3}}1{{else if eq 2 3}}2{{else if eq 3 3}}3{{end}}", want: "3" },
  // Print etc.
  { name: "print", template: '{{print "hello, print"}}', want: "hello, print" },
  { name: "print 123", template: "{{print 1 2 3}}", want: "1 2 3" },
  { name: "print nil", template: "{{print nil}}", want: "<nil>" },
  { name: "println", template: "{{println 1 2 3}}", want: "1 2 3\n" },
  { name: "printf int", template: '{{printf "%04x" 127}}', want: "007f" },
  { name: "printf float", template: '{{printf "%g" 3.5}}', want: "3.5" },
  { name: "printf string", template: '{{printf "%s" "hello"}}', want: "hello" },
  { name: "printf function", template: '{{printf "%#q" zeroArgs}}', want: "`zeroArgs`" },
  { name: "printf field", template: '{{printf "%s" .U.V}}', want: "v", data: tVal },
  { name: "printf dot", template: '{{with .I}}{{printf "%d" .}}{{end}}', want: "17", data: tVal },
  { name: "printf var", template: '{{with $x := .I}}{{printf "%d" $x}}{{end}}', want: "17", data: tVal },
  // HTML.
  {
    name: "html",
    template: '{{html "<script>alert(\\"XSS\\");</script>"}}',
    want: "&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;",
  },
  {
    name: "html pipeline",
    template: '{{printf "<script>alert(\\"XSS\\");</script>" | html}}',
    want: "&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;",
  },
  { name: "html of a field", template: "{{html .PS}}", want: "a string", data: tVal },
  // JavaScript.
  { name: "js", template: "{{js .}}", want: "It\\'d be nice.", data: "It'd be nice." },
  // URL query.
  { name: "urlquery", template: '{{"http://www.example.org/"|urlquery}}', want: "http%3A%2F%2Fwww.example.org%2F" },
  // Booleans.
  { name: "not", template: "{{not true}} {{not false}}", want: "false true" },
  { name: "and", template: "{{and false 0}} {{and 1 0}} {{and 0 true}} {{and 1 1}}", want: "false 0 0 1" },
  { name: "or", template: "{{or 0 0}} {{or 1 0}} {{or 0 true}} {{or 1 1}}", want: "0 1 true 1" },
  { name: "boolean if", template: "{{if and true 1 `hi`}}TRUE{{else}}FALSE{{end}}", want: "TRUE" },
  { name: "boolean if not", template: "{{if and true 1 `hi` | not}}TRUE{{else}}FALSE{{end}}", want: "FALSE" },
  // Indexing.
  { name: "slice[0]", template: "{{index .SI 0}}", want: "3", data: tVal },
  { name: "slice[1]", template: "{{index .SI 1}}", want: "4", data: tVal },
  { name: "slice[HUGE]", template: "{{index .SI 10}}", want: "", data: tVal, ok: false },
  { name: "slice[WRONG]", template: "{{index .SI `hello`}}", want: "", data: tVal, ok: false },
  { name: "slice[nil]", template: "{{index .SI nil}}", want: "", data: tVal, ok: false },
  { name: "map[one]", template: "{{index .MSI `one`}}", want: "1", data: tVal },
  { name: "map[two]", template: "{{index .MSI `two`}}", want: "2", data: tVal },
  { name: "map[WRONG]", template: "{{index .MSI 10}}", want: "", data: tVal, ok: false },
  { name: "double index", template: "{{index .SMSI 1 `eleven`}}", want: "11", data: tVal },
  { name: "nil[1]", template: "{{index nil 1}}", want: "", ok: false },
  // Slicing.
  { name: "slice[:]", template: "{{slice .SI}}", want: "[3 4 5]", data: tVal },
  { name: "slice[1:]", template: "{{slice .SI 1}}", want: "[4 5]", data: tVal },
  { name: "slice[1:2]", template: "{{slice .SI 1 2}}", want: "[4]", data: tVal },
  { name: "slice[-1:]", template: "{{slice .SI -1}}", want: "", data: tVal, ok: false },
  { name: "slice[1:-2]", template: "{{slice .SI 1 -2}}", want: "", data: tVal, ok: false },
  { name: "slice[2:1]", template: "{{slice .SI 2 1}}", want: "", data: tVal, ok: false },
  { name: "out of range", template: "{{slice .SI 4 5}}", want: "", data: tVal, ok: false },
  { name: "string[:]", template: "{{slice .X}}", want: "x", data: tVal },
  { name: "string[0:1]", template: "{{slice .X 0 1}}", want: "x", data: tVal },
  { name: "string[1:]", template: "{{slice .X 1}}", want: "", data: tVal },
  { name: "string[:1:2]", template: "{{slice .X 0 1 2}}", want: "", data: tVal, ok: false },
  // Len.
  { name: "len slice", template: "{{len .SI}}", want: "3", data: tVal },
  { name: "len map", template: "{{len .MSI }}", want: "3", data: tVal },
  { name: "len of int", template: "{{len 3}}", want: "", data: tVal, ok: false },
  { name: "len of nothing", template: "{{len .Empty0}}", want: "", data: tVal, ok: false },
  // With.
  { name: "with true", template: "{{with true}}{{.}}{{end}}", want: "true" },
  { name: "with false", template: "{{with false}}{{.}}{{else}}FALSE{{end}}", want: "FALSE" },
  { name: "with 1", template: "{{with 1}}{{.}}{{else}}ZERO{{end}}", want: "1" },
  { name: "with 0", template: "{{with 0}}{{.}}{{else}}ZERO{{end}}", want: "ZERO" },
  { name: "with 1.5", template: "{{with 1.5}}{{.}}{{else}}ZERO{{end}}", want: "1.5" },
  { name: "with 0.0", template: "{{with .FloatZero}}{{.}}{{else}}ZERO{{end}}", want: "ZERO", data: tVal },
  { name: "with emptystring", template: "{{with ``}}{{.}}{{else}}EMPTY{{end}}", want: "EMPTY" },
  { name: "with string", template: "{{with `notempty`}}{{.}}{{else}}EMPTY{{end}}", want: "notempty" },
  { name: "with emptyslice", template: "{{with .SIEmpty}}{{.}}{{else}}EMPTY{{end}}", want: "EMPTY", data: tVal },
  { name: "with slice", template: "{{with .SI}}{{.}}{{else}}EMPTY{{end}}", want: "[3 4 5]", data: tVal },
  { name: "with emptymap", template: "{{with .MSIEmpty}}{{.}}{{else}}EMPTY{{end}}", want: "EMPTY", data: tVal },
  { name: "with map", template: "{{with .MSIone}}{{.}}{{else}}EMPTY{{end}}", want: "map[one:1]", data: tVal },
  { name: "with $x int", template: "{{with $x := .I}}{{$x}}{{end}}", want: "17", data: tVal },
  { name: "with $x struct.U.V", template: "{{with $x := $}}{{$x.U.V}}{{end}}", want: "v", data: tVal },
  {
    name: "with variable and action",
    template: "{{with $x := $}}{{$y := $.U.V}}{{$y}}{{end}}",
    want: "v",
    data: tVal,
  },
  { name: "with else with", template: "{{with 0}}{{.}}{{else with true}}{{.}}{{end}}", want: "true" },
  // Range.
  { name: "range []int", template: "{{range .SI}}-{{.}}-{{end}}", want: "-3--4--5-", data: tVal },
  { name: "range empty no else", template: "{{range .SIEmpty}}-{{.}}-{{end}}", want: "", data: tVal },
  { name: "range []int else", template: "{{range .SI}}-{{.}}-{{else}}EMPTY{{end}}", want: "-3--4--5-", data: tVal },
  { name: "range empty else", template: "{{range .SIEmpty}}-{{.}}-{{else}}EMPTY{{end}}", want: "EMPTY", data: tVal },
  { name: "range []bool", template: "{{range .SB}}-{{.}}-{{end}}", want: "-true--false-", data: tVal },
  { name: "range map", template: "{{range .MSI}}-{{.}}-{{end}}", want: "-1--3--2-", data: tVal },
  { name: "range empty map no else", template: "{{range .MSIEmpty}}-{{.}}-{{end}}", want: "", data: tVal },
  { name: "range map else", template: "{{range .MSI}}-{{.}}-{{else}}EMPTY{{end}}", want: "-1--3--2-", data: tVal },
  {
    name: "range empty map else",
    template: "{{range .MSIEmpty}}-{{.}}-{{else}}EMPTY{{end}}",
    want: "EMPTY",
    data: tVal,
  },
  {
    name: "range empty interface",
    template: "{{range .Empty3}}-{{.}}-{{else}}EMPTY{{end}}",
    want: "-7--8-",
    data: tVal,
  },
  { name: "range empty nil", template: "{{range .Empty0}}-{{.}}-{{end}}", want: "", data: tVal },
  { name: "range $x SI", template: "{{range $x := .SI}}<{{$x}}>{{end}}", want: "<3><4><5>", data: tVal },
  {
    name: "range $x $y SI",
    template: "{{range $x, $y := .SI}}<{{$x}}={{$y}}>{{end}}",
    want: "<0=3><1=4><2=5>",
    data: tVal,
  },
  { name: "range $x MSIone", template: "{{range $x := .MSIone}}<{{$x}}>{{end}}", want: "<1>", data: tVal },
  {
    name: "range $x $y MSIone",
    template: "{{range $x, $y := .MSIone}}<{{$x}}={{$y}}>{{end}}",
    want: "<one=1>",
    data: tVal,
  },
  {
    name: "declare in range",
    template: "{{range $x := .SI}}<{{$foo:=$x}}{{$x}}>{{end}}",
    want: "<3><4><5>",
    data: tVal,
  },
  { name: "range int", template: "{{range $i := 3}}{{$i}}{{end}}", want: "012" },
  {
    name: "range break",
    template: "{{range .SI}}{{if eq . 4}}{{break}}{{end}}-{{.}}-{{end}}",
    want: "-3-",
    data: tVal,
  },
  {
    name: "range continue",
    template: "{{range .SI}}{{if eq . 4}}{{continue}}{{end}}-{{.}}-{{end}}",
    want: "-3--5-",
    data: tVal,
  },
  // Cute examples.
  { name: "or as if true", template: '{{or .SI "slice is empty"}}', want: "[3 4 5]", data: tVal },
  { name: "or as if false", template: '{{or .SIEmpty "slice is empty"}}', want: "slice is empty", data: tVal },
  // Fixed bugs.
  { name: "bug4", template: "{{if .Empty0}}non-nil{{else}}nil{{end}}", want: "nil", data: tVal },
  { name: "bug7a", template: "{{3 2}}", want: "", ok: false },
  { name: "bug7b", template: "{{$x := 1}}{{$x 2}}", want: "", ok: false },
  { name: "bug7c", template: "{{$x := 1}}{{3 | $x}}", want: "", ok: false },
  { name: "bug8a", template: "{{3|oneArg}}", want: "", ok: false },
  { name: "bug8b", template: "{{4|dddArg 3}}", want: "", ok: false },
  { name: "bug9", template: "{{.cause}}", want: "neglect", data: { cause: "neglect" } },
  { name: "bug10", template: "{{mapOfThree.three}}-{{(mapOfThree).three}}", want: "3-3" },
  { name: "bug10 parenthesised", template: "{{(mapOfThree).three}}", want: "3" },
  { name: "bug12xe", template: "{{printf `%T` 0xef}}", want: "int" },
  { name: "bug12XE", template: "{{printf `%T` 0XEE}}", want: "int" },
  { name: "bug14a", template: "{{(nil).True}}", want: "", ok: false },
  { name: "bug14b", template: "{{$x := nil}}{{$x.anything}}", want: "", ok: false },
  { name: "bug14c", template: '{{$x := (1.0)}}{{$y := ("hello")}}{{$x.anything}}{{$y.true}}', want: "", ok: false },
  { name: "bug15", template: "{{valueString returnInt}}", want: "", ok: false },
  { name: "bug16a", template: "{{true|printf}}", want: "", ok: false },
  { name: "bug16b", template: "{{1|printf}}", want: "", ok: false },
  { name: "bug16c", template: "{{1.1|printf}}", want: "", ok: false },
  { name: "bug16d", template: "{{'x'|printf}}", want: "", ok: false },
  { name: "bug16f", template: '{{true|twoArgs "xxx"}}', want: "", ok: false },
  { name: "bug16g", template: '{{"aaa" |twoArgs "bbb"}}', want: "twoArgs=bbbaaa" },
  { name: "bug16h", template: "{{1|oneArg}}", want: "", ok: false },
  { name: "bug16i", template: '{{"aaa"|oneArg}}', want: "oneArg=aaa" },
  { name: "bug16k", template: '{{"aaa"|printf }}', want: "aaa" },
  // Trim markers (TestTrim...).
  { name: "trim left", template: "x \n {{- 3}}", want: "x3" },
  { name: "trim right", template: "{{3 -}}\n\n y", want: "3y" },
  { name: "trim both", template: "x {{- 3 -}} y", want: "x3y" },
  { name: "trim comment", template: "x {{- /* hi */ -}} y", want: "xy" },
  // Templates.
  { name: "define and template", template: '{{define "t"}}T:{{.}}{{end}}{{template "t" 7}}', want: "T:7" },
  { name: "template without data", template: '{{define "t"}}[{{.}}]{{end}}{{template "t"}}', want: "[<no value>]" },
  { name: "block", template: '{{block "b" .}}B:{{.}}{{end}}', want: "B:3", data: 3n },
  { name: "undefined template", template: '{{template "nope"}}', want: "", ok: false },
];

/** `cmpTests`: the comparison functions, with Go's answers and errors. */
const CMP_TESTS: Case[] = [
  { name: "eq true true", template: "{{eq true true}}", want: "true" },
  { name: "eq true false", template: "{{eq true false}}", want: "false" },
  { name: "eq 1.5 1.5", template: "{{eq 1.5 1.5}}", want: "true" },
  { name: "eq 1.5 2.5", template: "{{eq 1.5 2.5}}", want: "false" },
  { name: "eq 1 1", template: "{{eq 1 1}}", want: "true" },
  { name: "eq 1 2", template: "{{eq 1 2}}", want: "false" },
  { name: "eq `xy` `xy`", template: "{{eq `xy` `xy`}}", want: "true" },
  { name: "eq `xy` `xyz`", template: "{{eq `xy` `xyz`}}", want: "false" },
  { name: "eq .Uthree .Uthree", template: "{{eq .I .I}}", want: "true", data: tVal },
  { name: "eq 3 4 5 6 3", template: "{{eq 3 4 5 6 3}}", want: "true" },
  { name: "eq 3 4 5 6 7", template: "{{eq 3 4 5 6 7}}", want: "false" },
  { name: "ne true true", template: "{{ne true true}}", want: "false" },
  { name: "ne 1 2", template: "{{ne 1 2}}", want: "true" },
  { name: "ne `xy` `xyz`", template: "{{ne `xy` `xyz`}}", want: "true" },
  { name: "lt 1.5 1.5", template: "{{lt 1.5 1.5}}", want: "false" },
  { name: "lt 1.5 2.5", template: "{{lt 1.5 2.5}}", want: "true" },
  { name: "lt 1 2", template: "{{lt 1 2}}", want: "true" },
  { name: "lt 2 1", template: "{{lt 2 1}}", want: "false" },
  { name: "lt `xy` `xyz`", template: "{{lt `xy` `xyz`}}", want: "true" },
  { name: "le 1 1", template: "{{le 1 1}}", want: "true" },
  { name: "le 2 1", template: "{{le 2 1}}", want: "false" },
  { name: "le `xyz` `xy`", template: "{{le `xyz` `xy`}}", want: "false" },
  { name: "gt 1 2", template: "{{gt 1 2}}", want: "false" },
  { name: "gt 2 1", template: "{{gt 2 1}}", want: "true" },
  { name: "gt `xyz` `xy`", template: "{{gt `xyz` `xy`}}", want: "true" },
  { name: "ge 1 1", template: "{{ge 1 1}}", want: "true" },
  { name: "ge 1 2", template: "{{ge 1 2}}", want: "false" },
  { name: "eq .Ptr .NilPtr nil", template: "{{eq .Empty0 nil}}", want: "true", data: tVal },
  // Errors.
  { name: "eq `xy` 1", template: "{{eq `xy` 1}}", want: "", ok: false },
  { name: "eq 2 2.0", template: "{{eq 2 2.0}}", want: "", ok: false },
  { name: "lt true true", template: "{{lt true true}}", want: "", ok: false },
  { name: "lt 1 `xy`", template: "{{lt 1 `xy`}}", want: "", ok: false },
  { name: "lt .SI .SI", template: "{{lt .SI .SI}}", want: "", data: tVal, ok: false },
  { name: "eq .SI .SI", template: "{{eq .SI .SI}}", want: "", data: tVal, ok: false },
];

function run(c: Case): { ok: true; out: string } | { ok: false; error: unknown } {
  try {
    const data = "data" in c ? c.data : tVal;
    return { ok: true, out: renderTemplateString(c.template, data, { name: "XXX", functions: "go", funcs }) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The pass table of this suite, printed for docs/charts.md. */
export const GO_SUITE = { exec: EXEC_TESTS.length, cmp: CMP_TESTS.length };

describe("Go text/template (exec_test.go)", () => {
  it.each([...EXEC_TESTS, ...CMP_TESTS])("$name", (c) => {
    const result = run(c);
    if (c.ok === false) {
      expect(result.ok, `expected an error, got ${result.ok ? JSON.stringify(result.out) : ""}`).toBe(false);
      return;
    }
    expect(result).toEqual({ ok: true, out: c.want });
  });
});
