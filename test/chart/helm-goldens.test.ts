/**
 * Helm's `helm template` and `helm install` golden outputs (helm/helm `cmd/helm/template_test.go`,
 * `install_test.go`, files under `cmd/helm/testdata/output`), ported as table tests. The expected
 * texts are Helm's; the charts are ours, written to hold what the goldens show of Helm's testcharts.
 *
 * Normalisations, each stated where used: goldens recorded before Helm 3.5 print the release name
 * `RELEASE-NAME` (now `release-name`, the only valid form here); the Kubernetes version a golden
 * was recorded with is passed as `--kube-version`; schema messages are gojsonschema's (Helm 3).
 * Cases that test command-line parsing or release bookkeeping (status text, --wait, --replace,
 * provenance, repositories) are listed in NOT_EXPRESSIBLE with the reason.
 */
import { describe, expect, it } from "vitest";
import {
  formatHelmTemplate,
  parseSetValues,
  renderChart,
  renderTemplateString,
  type FormatTemplateOptions,
  type LoadedChart,
  type RenderChartOptions,
} from "../../src/chart/index.js";
import { VelaError } from "../../src/errors/index.js";
import { chartOf } from "./support/chart-builder.js";
import { buildTgz } from "./support/tar-builder.js";

type Files = Record<string, string | Uint8Array>;

/** The `subchart` testchart: two subcharts, a CRD, RBAC under templates/subdir, two test hooks. */
function subchartFiles(
  variant: { readonly oldRole?: boolean; readonly apiCheck?: string; readonly tests?: boolean } = {},
): Files {
  const service = (name: string, labels: string): string =>
    [
      "apiVersion: v1",
      "kind: Service",
      "metadata:",
      `  name: {{ .Chart.Name }}`,
      "  labels:",
      '    helm.sh/chart: "{{ .Chart.Name }}-{{ .Chart.Version }}"',
      labels,
      "spec:",
      "  type: {{ .Values.service.type }}",
      "  ports:",
      "  - port: {{ .Values.service.externalPort }}",
      "    targetPort: {{ .Values.service.internalPort }}",
      "    protocol: TCP",
      `    name: {{ .Values.service.name | default "${name}" }}`,
      "  selector:",
      "    app.kubernetes.io/name: {{ .Chart.Name }}",
      "",
    ]
      .filter((line) => line !== "")
      .join("\n");
  const rootLabels = [
    '    app.kubernetes.io/instance: "{{ .Release.Name }}"',
    '    kube-version/major: "{{ .Capabilities.KubeVersion.Major }}"',
    '    kube-version/minor: "{{ .Capabilities.KubeVersion.Minor }}"',
    '    kube-version/version: "v{{ .Capabilities.KubeVersion.Major }}.{{ .Capabilities.KubeVersion.Minor }}.0"',
    `{{- if .Capabilities.APIVersions.Has "${variant.apiCheck ?? "helm.k8s.io/test"}" }}`,
    "    kube-api-version/test: v1",
    "{{- end }}",
  ].join("\n");
  const values = "service:\n  name: nginx\n  type: ClusterIP\n  externalPort: 80\n  internalPort: 80\n";
  const role = variant.oldRole
    ? '- resources: ["*"]\n  verbs: ["get","list","watch"]'
    : '- apiGroups: [""]\n  resources: ["pods"]\n  verbs: ["get","list","watch"]';
  const files: Files = {
    "Chart.yaml":
      "apiVersion: v2\nname: subchart\nversion: 0.1.0\ndependencies:\n" +
      "  - name: subcharta\n    version: 0.1.0\n  - name: subchartb\n    version: 0.1.0\n",
    "values.yaml": values,
    "crds/crdA.yaml": [
      "apiVersion: apiextensions.k8s.io/v1beta1",
      "kind: CustomResourceDefinition",
      "metadata:",
      "  name: testcrds.testcrdgroups.example.com",
      "spec:",
      "  group: testcrdgroups.example.com",
      "  version: v1alpha1",
      "  names:",
      "    kind: TestCRD",
      "    listKind: TestCRDList",
      "    plural: testcrds",
      "    shortNames:",
      "      - tc",
      "    singular: authconfig",
      "",
    ].join("\n"),
    "templates/service.yaml": service("nginx", rootLabels),
    "templates/subdir/serviceaccount.yaml":
      "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {{ .Chart.Name }}-sa\n",
    "templates/subdir/role.yaml":
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n" +
      `  name: {{ .Chart.Name }}-role\nrules:\n${role}\n`,
    "templates/subdir/rolebinding.yaml": [
      "apiVersion: rbac.authorization.k8s.io/v1",
      "kind: RoleBinding",
      "metadata:",
      "  name: {{ .Chart.Name }}-binding",
      "roleRef:",
      "  apiGroup: rbac.authorization.k8s.io",
      "  kind: Role",
      "  name: {{ .Chart.Name }}-role",
      "subjects:",
      "- kind: ServiceAccount",
      "  name: {{ .Chart.Name }}-sa",
      "  namespace: {{ .Release.Namespace }}",
      "",
    ].join("\n"),
    "templates/tests/test-config.yaml": [
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata:",
      '  name: "{{ .Release.Name }}-testconfig"',
      "  annotations:",
      '    "helm.sh/hook": test',
      "data:",
      "  message: Hello World",
      "",
    ].join("\n"),
    "templates/tests/test-nothing.yaml": [
      "apiVersion: v1",
      "kind: Pod",
      "metadata:",
      '  name: "{{ .Release.Name }}-test"',
      "  annotations:",
      '    "helm.sh/hook": test',
      "spec:",
      "  containers:",
      "    - name: test",
      '      image: "alpine:latest"',
      "      envFrom:",
      "        - configMapRef:",
      '            name: "{{ .Release.Name }}-testconfig"',
      "      command:",
      "        - echo",
      '        - "$message"',
      "  restartPolicy: Never",
      "",
    ].join("\n"),
    "charts/subcharta/Chart.yaml": "apiVersion: v2\nname: subcharta\nversion: 0.1.0\n",
    "charts/subcharta/values.yaml": values.replace("nginx", "apache"),
    "charts/subcharta/templates/service.yaml": service("apache", ""),
    "charts/subchartb/Chart.yaml": "apiVersion: v2\nname: subchartb\nversion: 0.1.0\n",
    "charts/subchartb/values.yaml": values,
    "charts/subchartb/templates/service.yaml": service("nginx", ""),
  };
  if (variant.tests === false) {
    delete files["templates/tests/test-config.yaml"];
    delete files["templates/tests/test-nothing.yaml"];
  }
  return files;
}

/** The older `subchart1` testchart (labels `chart:`, `release-name:`). */
function subchart1Files(): Files {
  const service = (labels: string): string =>
    [
      "apiVersion: v1",
      "kind: Service",
      "metadata:",
      "  name: {{ .Chart.Name }}",
      "  labels:",
      '    chart: "{{ .Chart.Name }}-{{ .Chart.Version }}"',
      labels,
      "spec:",
      "  type: {{ .Values.service.type }}",
      "  ports:",
      "  - port: {{ .Values.service.externalPort }}",
      "    targetPort: {{ .Values.service.internalPort }}",
      "    protocol: TCP",
      "    name: {{ .Values.service.name }}",
      "  selector:",
      "    app: {{ .Chart.Name }}",
      "",
    ]
      .filter((line) => line !== "")
      .join("\n");
  const values = (name: string): string =>
    `service:\n  name: ${name}\n  type: ClusterIP\n  externalPort: 80\n  internalPort: 80\n`;
  const rootLabels = [
    '    release-name: "{{ .Release.Name }}"',
    '    kube-version/major: "{{ .Capabilities.KubeVersion.Major }}"',
    '    kube-version/minor: "{{ .Capabilities.KubeVersion.Minor }}"',
    '    kube-version/version: "v{{ .Capabilities.KubeVersion.Major }}.{{ .Capabilities.KubeVersion.Minor }}.0"',
  ].join("\n");
  return {
    "Chart.yaml": "apiVersion: v1\nname: subchart1\nversion: 0.1.0\n",
    "requirements.yaml":
      "dependencies:\n  - name: subcharta\n    version: 0.1.0\n  - name: subchartb\n    version: 0.1.0\n",
    "values.yaml": values("nginx"),
    "templates/service.yaml": service(rootLabels),
    "charts/subcharta/Chart.yaml": "apiVersion: v1\nname: subcharta\nversion: 0.1.0\n",
    "charts/subcharta/values.yaml": values("apache"),
    "charts/subcharta/templates/service.yaml": service(""),
    "charts/subchartb/Chart.yaml": "apiVersion: v1\nname: subchartb\nversion: 0.1.0\n",
    "charts/subchartb/values.yaml": values("nginx"),
    "charts/subchartb/templates/service.yaml": service(""),
  };
}

/** The `object-order` testchart: 15 documents in two files, one of them a hook. */
function objectOrderFiles(): Files {
  const policy = (comment: string, name: string, hook = false): string =>
    [
      comment,
      "apiVersion: networking.k8s.io/v1",
      "kind: NetworkPolicy",
      "metadata:",
      ...(hook ? ["  annotations:", '    "helm.sh/hook": pre-install'] : []),
      `  name: ${name}`,
      "spec:",
      "  podSelector: {}",
      "  policyTypes:",
      "    - Egress",
      "    - Ingress",
    ].join("\n");
  const deployment = [
    "# 4 (Deployment should come after all NetworkPolicy manifests, since 'helm template' outputs in install order)",
    "apiVersion: apps/v1",
    "kind: Deployment",
    "metadata:",
    "  name: fourth",
    "spec:",
    "  selector:",
    "    matchLabels:",
    "      pod: fourth",
    "  replicas: 1",
    "  template:",
    "    metadata:",
    "      labels:",
    "        pod: fourth",
    "    spec:",
    "      containers:",
    "        - name: hello-world",
    "          image: gcr.io/google-samples/node-hello:1.0",
  ].join("\n");
  const first = policy("# 1", "first").replace(
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy",
    "kind: NetworkPolicy\napiVersion: networking.k8s.io/v1",
  );
  const b = [
    policy("# 5", "fifth"),
    policy(
      "# 6 (implementation detail: currently, 'helm template' outputs hook manifests last; and yes, NetworkPolicy " +
        "won't make a reasonable hook, this is just a dummy unit test manifest)",
      "sixth",
      true,
    ),
    ...["seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth"].map((name, i) =>
      policy(`# ${i + 7}`, name),
    ),
    policy(
      "# 15 (11th object within 02-b.yml, in order to test `SplitManifests` which assigns `manifest-10`\n" +
        "# to this object which should then come *after* `manifest-9`)",
      "fifteenth",
    ),
  ];
  return {
    "Chart.yaml": "apiVersion: v2\nname: object-order\nversion: 0.1.0\n",
    "templates/01-a.yml": [first, policy("# 2", "second"), policy("# 3", "third"), deployment].join("\n---\n"),
    "templates/02-b.yml": b.join("\n---\n"),
  };
}

/** A chart with a `values.schema.json` (person: names, age ≥ 0, required employment info). */
function schemaFiles(name: string, values: string): Files {
  const schema = {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "Values",
    type: "object",
    properties: {
      firstname: { type: "string" },
      lastname: { type: "string" },
      likesCoffee: { type: "boolean" },
      age: { type: "integer", minimum: 0 },
      employmentInfo: {
        type: "object",
        properties: { salary: { type: "number", minimum: 0 }, title: { type: "string" } },
        required: ["salary"],
      },
      addresses: {
        type: "array",
        items: {
          type: "object",
          properties: { city: { type: "string" }, street: { type: "string" }, number: { type: "number" } },
        },
      },
      phoneNumbers: { type: "array", items: { type: "string" } },
    },
    required: ["firstname", "lastname", "addresses", "employmentInfo"],
  };
  return {
    "Chart.yaml": `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`,
    "values.yaml": values,
    "values.schema.json": JSON.stringify(schema, null, 2),
    "templates/empty.yaml": "# This file is intentionally blank\n",
  };
}

const GOOD_PERSON = [
  "firstname: John",
  "lastname: Doe",
  "age: 25",
  "likesCoffee: true",
  "employmentInfo:",
  "  title: Software Developer",
  "  salary: 100000",
  "addresses:",
  "  - city: Springfield",
  "    street: Main",
  "    number: 12345",
  "  - city: New York",
  "    street: Broadway",
  "    number: 67890",
  "phoneNumbers:",
  '  - "(888) 888-8888"',
  '  - "(555) 555-5555"',
  "",
].join("\n");

function schemaAndSubchartFiles(): Files {
  const parentSchema = { type: "object", properties: { lastname: { type: "string" } }, required: ["lastname"] };
  const childSchema = {
    type: "object",
    properties: { age: { type: "integer", minimum: 0 } },
    required: ["age"],
  };
  return {
    "Chart.yaml":
      "apiVersion: v2\nname: chart-without-schema\nversion: 0.1.0\n" +
      "dependencies:\n  - name: subchart-with-schema\n    version: 0.1.0\n",
    "values.yaml": "firstname: John\n",
    "values.schema.json": JSON.stringify(parentSchema),
    "templates/empty.yaml": "# This file is intentionally blank\n",
    "charts/subchart-with-schema/Chart.yaml": "apiVersion: v2\nname: subchart-with-schema\nversion: 0.1.0\n",
    "charts/subchart-with-schema/values.yaml": "firstname: John\n",
    "charts/subchart-with-schema/values.schema.json": JSON.stringify(childSchema),
    "charts/subchart-with-schema/templates/empty.yaml": "# This file is intentionally blank\n",
  };
}

/** An application chart used as a library: its partials build whole objects that the parent includes. */
function templateLibDepFiles(archive: boolean): Files {
  const common = {
    "Chart.yaml": "apiVersion: v2\nname: common\nversion: 0.0.5\n",
    "templates/_metadata.yaml": [
      '{{- define "common.labels.standard" -}}',
      'app: {{ template "common.name" . }}',
      'chart: {{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}',
      "heritage: {{ .Release.Service }}",
      "release: {{ .Release.Name }}",
      "{{- end -}}",
      '{{- define "common.name" -}}{{ default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}{{- end -}}',
      '{{- define "common.fullname" -}}{{ printf "%s-%s" .Release.Name (include "common.name" .) | trunc 63 }}{{- end -}}',
    ].join("\n"),
    "templates/_service.yaml": [
      '{{- define "common.service.tpl" -}}',
      "apiVersion: v1",
      "kind: Service",
      "metadata:",
      "  labels:",
      '{{ include "common.labels.standard" . | indent 4 }}',
      '  name: {{ template "common.fullname" . }}',
      "spec:",
      "  type: ClusterIP",
      "  ports:",
      "  - name: http",
      "    port: 80",
      "    targetPort: http",
      "  selector:",
      '    app: {{ template "common.name" . }}',
      "    release: {{ .Release.Name }}",
      "{{- end -}}",
      '{{- define "common.service" -}}',
      "{{- $top := first . -}}{{- $overrides := index . 1 -}}",
      '{{- $tpl := fromYaml (include "common.service.tpl" $top) -}}',
      "{{- toYaml (merge $overrides $tpl) -}}",
      "{{- end -}}",
    ].join("\n"),
  };
  const files: Files = {
    "Chart.yaml":
      `apiVersion: v2\nname: ${archive ? "chart-with-template-lib-archive-dep" : "chart-with-template-lib-dep"}\n` +
      "version: 0.1.0\ndependencies:\n  - name: common\n    version: 0.0.5\n",
    "values.yaml":
      "replicaCount: 1\nimage:\n  repository: nginx\n  tag: stable\n  pullPolicy: IfNotPresent\nresources: {}\n",
    "templates/service.yaml": '{{- template "common.service" (list . dict) -}}\n',
    "templates/deployment.yaml": [
      "apiVersion: apps/v1",
      "kind: Deployment",
      "metadata:",
      '  name: {{ template "common.fullname" . }}',
      "  labels:",
      '    app: {{ template "common.name" . }}',
      '    chart: {{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}',
      "    release: {{ .Release.Name }}",
      "    heritage: {{ .Release.Service }}",
      "spec:",
      "  replicas: {{ .Values.replicaCount }}",
      "  selector:",
      "    matchLabels:",
      '      app: {{ template "common.name" . }}',
      "      release: {{ .Release.Name }}",
      "  template:",
      "    metadata:",
      "      labels:",
      '        app: {{ template "common.name" . }}',
      "        release: {{ .Release.Name }}",
      "    spec:",
      "      containers:",
      "        - name: {{ .Chart.Name }}",
      '          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"',
      "          imagePullPolicy: {{ .Values.image.pullPolicy }}",
      "          ports:",
      "            - name: http",
      "              containerPort: 80",
      "              protocol: TCP",
      "          livenessProbe:",
      "            httpGet:",
      "              path: /",
      "              port: http",
      "          readinessProbe:",
      "            httpGet:",
      "              path: /",
      "              port: http",
      "          resources:",
      "{{ toYaml .Values.resources | indent 12 }}",
      "",
    ].join("\n"),
  };
  if (archive) {
    // The dependency is packaged, as `helm dependency build` leaves it: charts/common-0.0.5.tgz.
    const packaged: Files = {};
    for (const [path, text] of Object.entries(common)) packaged[`common/${path}`] = text;
    files["charts/common-0.0.5.tgz"] = buildTgz(packaged);
  } else for (const [path, text] of Object.entries(common)) files[`charts/common/${path}`] = text;
  return files;
}

const POD_WITH_INVALID_LINE = [
  "apiVersion: v1",
  "kind: Pod",
  "metadata:",
  '  name: "{{.Release.Name}}-my-alpine"',
  "spec:",
  "  containers:",
  "  - name: waiter",
  '    image: "alpine:3.9"',
  '    command: ["/bin/sleep","9000"]',
  "invalid",
  "",
].join("\n");

interface GoldenCase {
  /** The golden file (under cmd/helm/testdata/) or, for error cases, the expected message's source. */
  readonly golden: string;
  /** The Helm command the golden records. */
  readonly command: string;
  readonly files: Files;
  readonly chartName?: string;
  readonly render?: Partial<RenderChartOptions>;
  readonly format?: FormatTemplateOptions;
  /** Expected `helm template` text, or the error message (Helm's, after `Error: `). */
  readonly want: { readonly text: string } | { readonly error: string };
}

const TEMPLATE_CASES: readonly GoldenCase[] = [
  {
    golden: "output/template.txt",
    command: "template subchart",
    files: subchartFiles(),
    render: { kubeVersion: "v1.20.0" },
    want: { text: "" },
  },
  {
    golden: "output/template-set.txt",
    command: "template subchart --set service.name=apache",
    files: subchartFiles(),
    render: { kubeVersion: "v1.20.0", values: parseSetValues(["service.name=apache"]) },
    want: { text: "" },
  },
  {
    golden: "output/template-values-files.txt",
    command: "template subchart1 --values charts/subchartA/values.yaml",
    files: subchart1Files(),
    render: { kubeVersion: "v1.14.0", values: { service: { name: "apache" } } },
    want: { text: "" },
  },
  {
    golden: "output/template-lib-chart.txt",
    command: "template lib-chart",
    files: {
      "Chart.yaml": "apiVersion: v2\nname: lib-chart\ntype: library\nversion: 0.1.0\n",
      "templates/_helpers.tpl": '{{- define "lib.name" -}}lib{{- end -}}\n',
    },
    want: { error: "library charts are not installable" },
  },
  {
    golden: "output/install-chart-bad-type.txt",
    command: "template chart-bad-type",
    files: { "Chart.yaml": "apiVersion: v2\nname: chart-bad-type\ntype: foobar\nversion: 0.1.0\n" },
    want: { error: "validation: chart.metadata.type must be application or library" },
  },
  {
    golden: "output/template-chart-with-template-lib-dep.txt",
    command: "template chart-with-template-lib-dep",
    files: templateLibDepFiles(false),
    want: { text: "" },
  },
  {
    golden: "output/template-chart-with-template-lib-archive-dep.txt",
    command: "template chart-with-template-lib-archive-dep",
    files: templateLibDepFiles(true),
    want: { text: "" },
  },
  {
    golden: "output/template-with-kube-version.txt",
    command: "template subchart --kube-version 1.16.0",
    files: subchartFiles({ oldRole: true, tests: false }),
    render: { kubeVersion: "1.16.0" },
    want: { text: "" },
  },
  {
    golden: "output/template-with-api-version.txt",
    command: "template subchart --api-versions helm.k8s.io/test",
    files: subchartFiles({ oldRole: true, tests: false }),
    render: { kubeVersion: "v1.18.0", apiVersions: ["helm.k8s.io/test"] },
    want: { text: "" },
  },
  {
    golden: "output/template-with-crds.txt",
    command: "template subchart --include-crds",
    files: subchartFiles(),
    render: { kubeVersion: "v1.20.0" },
    format: { includeCrds: true },
    want: { text: "" },
  },
  {
    golden: "output/template-show-only-one.txt",
    command: "template subchart --show-only templates/service.yaml",
    files: subchartFiles(),
    render: { kubeVersion: "v1.20.0" },
    format: { showOnly: ["templates/service.yaml"] },
    want: { text: "" },
  },
  {
    golden: "output/template-show-only-multiple.txt",
    command: "template subchart --show-only templates/service.yaml --show-only charts/subcharta/templates/service.yaml",
    files: subchartFiles(),
    render: { kubeVersion: "v1.18.0", apiVersions: ["helm.k8s.io/test"] },
    format: { showOnly: ["templates/service.yaml", "charts/subcharta/templates/service.yaml"] },
    want: { text: "" },
  },
  {
    golden: "output/template-show-only-glob.txt",
    command: "template subchart --show-only templates/subdir/role*",
    files: subchartFiles({ oldRole: true }),
    render: { kubeVersion: "v1.20.0" },
    format: { showOnly: ["templates/subdir/role*"] },
    want: { text: "" },
  },
  {
    golden: "output/object-order.txt",
    command: "template object-order",
    files: objectOrderFiles(),
    want: { text: "" },
  },
  {
    golden: "output/template-with-invalid-yaml-debug.txt",
    command: "template chart-with-template-with-invalid-yaml --debug",
    files: {
      "Chart.yaml": "apiVersion: v2\nname: chart-with-template-with-invalid-yaml\nversion: 0.1.0\n",
      "templates/alpine-pod.yaml": POD_WITH_INVALID_LINE,
    },
    want: {
      error:
        "YAML parse error on chart-with-template-with-invalid-yaml/templates/alpine-pod.yaml: " +
        "error converting YAML to JSON: yaml: line 11: could not find expected ':'",
    },
  },
  {
    golden: "output/template-skip-tests.txt",
    command: "template subchart --skip-tests",
    files: subchartFiles({ apiCheck: "apps/v1" }),
    render: { kubeVersion: "v1.20.0" },
    format: { skipTests: true },
    want: { text: "" },
  },
];

/** The expected texts of the goldens above (Helm's output, with `RELEASE-NAME` as `release-name`). */
const SERVICE_ACCOUNT = [
  "---",
  "# Source: subchart/templates/subdir/serviceaccount.yaml",
  "apiVersion: v1",
  "kind: ServiceAccount",
  "metadata:",
  "  name: subchart-sa",
].join("\n");

const ROLE = (oldRole: boolean): string =>
  [
    "---",
    "# Source: subchart/templates/subdir/role.yaml",
    "apiVersion: rbac.authorization.k8s.io/v1",
    "kind: Role",
    "metadata:",
    "  name: subchart-role",
    "rules:",
    ...(oldRole
      ? ['- resources: ["*"]', '  verbs: ["get","list","watch"]']
      : ['- apiGroups: [""]', '  resources: ["pods"]', '  verbs: ["get","list","watch"]']),
  ].join("\n");

const ROLE_BINDING = [
  "---",
  "# Source: subchart/templates/subdir/rolebinding.yaml",
  "apiVersion: rbac.authorization.k8s.io/v1",
  "kind: RoleBinding",
  "metadata:",
  "  name: subchart-binding",
  "roleRef:",
  "  apiGroup: rbac.authorization.k8s.io",
  "  kind: Role",
  "  name: subchart-role",
  "subjects:",
  "- kind: ServiceAccount",
  "  name: subchart-sa",
  "  namespace: default",
].join("\n");

const SUBCHART_RBAC = (oldRole: boolean): string => [SERVICE_ACCOUNT, ROLE(oldRole), ROLE_BINDING].join("\n");

function serviceBody(chart: string, port: string, label: string, selector: string): string[] {
  return [
    "apiVersion: v1",
    "kind: Service",
    "metadata:",
    `  name: ${chart}`,
    "  labels:",
    `    ${label}: "${chart}-0.1.0"`,
    "spec:",
    "  type: ClusterIP",
    "  ports:",
    "  - port: 80",
    "    targetPort: 80",
    "    protocol: TCP",
    `    name: ${port}`,
    "  selector:",
    `    ${selector}: ${chart}`,
  ];
}

function subchartService(root: string, sub: string, port: string, old = false): string {
  const body = serviceBody(sub, port, old ? "chart" : "helm.sh/chart", old ? "app" : "app.kubernetes.io/name");
  return [`---`, `# Source: ${root}/charts/${sub}/templates/service.yaml`, ...body].join("\n");
}

function rootService(options: { readonly port: string; readonly minor: string; readonly apiLabel?: boolean }): string {
  return [
    "---",
    "# Source: subchart/templates/service.yaml",
    "apiVersion: v1",
    "kind: Service",
    "metadata:",
    "  name: subchart",
    "  labels:",
    '    helm.sh/chart: "subchart-0.1.0"',
    '    app.kubernetes.io/instance: "release-name"',
    '    kube-version/major: "1"',
    `    kube-version/minor: "${options.minor}"`,
    `    kube-version/version: "v1.${options.minor}.0"`,
    ...(options.apiLabel === true ? ["    kube-api-version/test: v1"] : []),
    "spec:",
    "  type: ClusterIP",
    "  ports:",
    "  - port: 80",
    "    targetPort: 80",
    "    protocol: TCP",
    `    name: ${options.port}`,
    "  selector:",
    "    app.kubernetes.io/name: subchart",
  ].join("\n");
}

const TEST_HOOKS = [
  "---",
  "# Source: subchart/templates/tests/test-config.yaml",
  "apiVersion: v1",
  "kind: ConfigMap",
  "metadata:",
  '  name: "release-name-testconfig"',
  "  annotations:",
  '    "helm.sh/hook": test',
  "data:",
  "  message: Hello World",
  "---",
  "# Source: subchart/templates/tests/test-nothing.yaml",
  "apiVersion: v1",
  "kind: Pod",
  "metadata:",
  '  name: "release-name-test"',
  "  annotations:",
  '    "helm.sh/hook": test',
  "spec:",
  "  containers:",
  "    - name: test",
  '      image: "alpine:latest"',
  "      envFrom:",
  "        - configMapRef:",
  '            name: "release-name-testconfig"',
  "      command:",
  "        - echo",
  '        - "$message"',
  "  restartPolicy: Never",
].join("\n");

function subchartTemplate(options: {
  readonly oldRole?: boolean;
  readonly rootPort: string;
  readonly minor: string;
  readonly apiLabel?: boolean;
  readonly tests: boolean;
}): string {
  return `${[
    SUBCHART_RBAC(options.oldRole === true),
    subchartService("subchart", "subcharta", "apache"),
    subchartService("subchart", "subchartb", "nginx"),
    rootService({
      port: options.rootPort,
      minor: options.minor,
      ...(options.apiLabel === undefined ? {} : { apiLabel: options.apiLabel }),
    }),
    ...(options.tests ? [TEST_HOOKS] : []),
  ].join("\n")}\n`;
}

const CRD_A = [
  "---",
  "# Source: crds/crdA.yaml",
  "apiVersion: apiextensions.k8s.io/v1beta1",
  "kind: CustomResourceDefinition",
  "metadata:",
  "  name: testcrds.testcrdgroups.example.com",
  "spec:",
  "  group: testcrdgroups.example.com",
  "  version: v1alpha1",
  "  names:",
  "    kind: TestCRD",
  "    listKind: TestCRDList",
  "    plural: testcrds",
  "    shortNames:",
  "      - tc",
  "    singular: authconfig",
  "",
].join("\n");

function libDepText(name: string): string {
  return [
    "---",
    `# Source: ${name}/templates/service.yaml`,
    "apiVersion: v1",
    "kind: Service",
    "metadata:",
    "  labels:",
    `    app: ${name}`,
    `    chart: ${name}-0.1.0`,
    "    heritage: Helm",
    "    release: release-name",
    `  name: release-name-${name}`,
    "spec:",
    "  ports:",
    "  - name: http",
    "    port: 80",
    "    targetPort: http",
    "  selector:",
    `    app: ${name}`,
    "    release: release-name",
    "  type: ClusterIP",
    "---",
    `# Source: ${name}/templates/deployment.yaml`,
    "apiVersion: apps/v1",
    "kind: Deployment",
    "metadata:",
    `  name: release-name-${name}`,
    "  labels:",
    `    app: ${name}`,
    `    chart: ${name}-0.1.0`,
    "    release: release-name",
    "    heritage: Helm",
    "spec:",
    "  replicas: 1",
    "  selector:",
    "    matchLabels:",
    `      app: ${name}`,
    "      release: release-name",
    "  template:",
    "    metadata:",
    "      labels:",
    `        app: ${name}`,
    "        release: release-name",
    "    spec:",
    "      containers:",
    `        - name: ${name}`,
    '          image: "nginx:stable"',
    "          imagePullPolicy: IfNotPresent",
    "          ports:",
    "            - name: http",
    "              containerPort: 80",
    "              protocol: TCP",
    "          livenessProbe:",
    "            httpGet:",
    "              path: /",
    "              port: http",
    "          readinessProbe:",
    "            httpGet:",
    "              path: /",
    "              port: http",
    "          resources:",
    "            {}",
    "",
  ].join("\n");
}

function objectOrderText(): string {
  const policy = (comment: string, name: string, hook = false, kindFirst = false): string =>
    [
      "---",
      `# Source: object-order/templates/${["# 1", "# 2", "# 3"].includes(comment) || comment.startsWith("# 4") ? "01-a.yml" : "02-b.yml"}`,
      comment,
      ...(kindFirst
        ? ["kind: NetworkPolicy", "apiVersion: networking.k8s.io/v1"]
        : ["apiVersion: networking.k8s.io/v1", "kind: NetworkPolicy"]),
      "metadata:",
      ...(hook ? ["  annotations:", '    "helm.sh/hook": pre-install'] : []),
      `  name: ${name}`,
      "spec:",
      "  podSelector: {}",
      "  policyTypes:",
      "    - Egress",
      "    - Ingress",
    ].join("\n");
  const names = ["seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth"];
  return `${[
    policy("# 1", "first", false, true),
    policy("# 2", "second"),
    policy("# 3", "third"),
    policy("# 5", "fifth"),
    ...names.map((name, i) => policy(`# ${i + 7}`, name)),
    policy(
      "# 15 (11th object within 02-b.yml, in order to test `SplitManifests` which assigns `manifest-10`\n" +
        "# to this object which should then come *after* `manifest-9`)",
      "fifteenth",
    ),
    [
      "---",
      "# Source: object-order/templates/01-a.yml",
      "# 4 (Deployment should come after all NetworkPolicy manifests, since 'helm template' outputs in install order)",
      "apiVersion: apps/v1",
      "kind: Deployment",
      "metadata:",
      "  name: fourth",
      "spec:",
      "  selector:",
      "    matchLabels:",
      "      pod: fourth",
      "  replicas: 1",
      "  template:",
      "    metadata:",
      "      labels:",
      "        pod: fourth",
      "    spec:",
      "      containers:",
      "        - name: hello-world",
      "          image: gcr.io/google-samples/node-hello:1.0",
    ].join("\n"),
    policy(
      "# 6 (implementation detail: currently, 'helm template' outputs hook manifests last; and yes, NetworkPolicy " +
        "won't make a reasonable hook, this is just a dummy unit test manifest)",
      "sixth",
      true,
    ),
  ].join("\n")}\n`;
}

function subchart1Text(): string {
  const sub = (name: string, port: string) => [
    `---`,
    `# Source: subchart1/charts/${name}/templates/service.yaml`,
    ...serviceBody(name, port, "chart", "app"),
  ];
  return `${[
    ...sub("subcharta", "apache"),
    ...sub("subchartb", "nginx"),
    "---",
    "# Source: subchart1/templates/service.yaml",
    "apiVersion: v1",
    "kind: Service",
    "metadata:",
    "  name: subchart1",
    "  labels:",
    '    chart: "subchart1-0.1.0"',
    '    release-name: "release-name"',
    '    kube-version/major: "1"',
    '    kube-version/minor: "14"',
    '    kube-version/version: "v1.14.0"',
    "spec:",
    "  type: ClusterIP",
    "  ports:",
    "  - port: 80",
    "    targetPort: 80",
    "    protocol: TCP",
    "    name: apache",
    "  selector:",
    "    app: subchart1",
  ].join("\n")}\n`;
}

const EXPECTED_TEXT: Readonly<Record<string, string>> = {
  "output/template.txt": subchartTemplate({ rootPort: "nginx", minor: "20", tests: true }),
  "output/template-set.txt": subchartTemplate({ rootPort: "apache", minor: "20", tests: true }),
  "output/template-values-files.txt": subchart1Text(),
  "output/template-chart-with-template-lib-dep.txt": libDepText("chart-with-template-lib-dep"),
  "output/template-chart-with-template-lib-archive-dep.txt": libDepText("chart-with-template-lib-archive-dep"),
  "output/template-with-kube-version.txt": subchartTemplate({
    oldRole: true,
    rootPort: "nginx",
    minor: "16",
    tests: false,
  }),
  "output/template-with-api-version.txt": subchartTemplate({
    oldRole: true,
    rootPort: "nginx",
    minor: "18",
    apiLabel: true,
    tests: false,
  }),
  "output/template-with-crds.txt": `${CRD_A}\n` + subchartTemplate({ rootPort: "nginx", minor: "20", tests: true }),
  "output/template-show-only-one.txt": `${rootService({ port: "nginx", minor: "20" })}\n`,
  "output/template-show-only-multiple.txt": `${[
    rootService({ port: "nginx", minor: "18", apiLabel: true }),
    subchartService("subchart", "subcharta", "apache"),
  ].join("\n")}\n`,
  "output/template-show-only-glob.txt": `${[ROLE(true), ROLE_BINDING].join("\n")}\n`,
  "output/object-order.txt": objectOrderText(),
  "output/template-skip-tests.txt": subchartTemplate({ rootPort: "nginx", minor: "20", apiLabel: true, tests: false }),
};

function render(c: GoldenCase): string {
  const chart: LoadedChart = chartOf(c.files, c.chartName ?? "chart");
  const rendered = renderChart(chart, { releaseName: "release-name", namespace: "default", ...c.render });
  return formatHelmTemplate(rendered, c.format ?? {});
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof VelaError) return error.message;
    throw error;
  }
  throw new Error("expected an error");
}

describe("Helm `helm template` goldens (cmd/helm/template_test.go)", () => {
  it.each(TEMPLATE_CASES)("$golden: $command", (c) => {
    if ("error" in c.want) {
      expect(errorOf(() => render(c))).toBe(c.want.error);
      return;
    }
    expect(render(c)).toBe(EXPECTED_TEXT[c.golden]);
  });

  it("output/template-name-template.txt: --name-template 'foobar-{{ b64enc \"abc\" }}-baz'", () => {
    // The name template renders as the golden shows; Helm 3 then refuses the name (ValidateReleaseName),
    // which the golden, recorded before that check, does not show.
    const name = renderTemplateString('foobar-{{ b64enc "abc" }}-baz', undefined, { name: "name-template" });
    expect(name).toBe("foobar-YWJj-baz");
    expect(errorOf(() => renderChart(chartOf(subchart1Files()), { releaseName: name, namespace: "default" }))).toBe(
      'release name "foobar-YWJj-baz": invalid release name, must match regex ' +
        "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ and the length must not be longer than 53",
    );
  });
});

const INSTALL_CASES: readonly {
  readonly golden: string;
  readonly command: string;
  readonly files: Files;
  readonly values?: Record<string, unknown>;
  readonly want: { readonly error: string } | { readonly renders: true };
}[] = [
  {
    golden: "(no golden: the install succeeds)",
    command: "install schema chart-with-schema",
    files: schemaFiles("empty", GOOD_PERSON),
    want: { renders: true },
  },
  {
    golden: "output/schema-negative.txt",
    command: "install schema chart-with-schema-negative",
    files: schemaFiles("empty", "firstname: John\nlastname: Doe\nage: -5\naddresses: []\n"),
    want: {
      error:
        "values don't meet the specifications of the schema(s) in the following chart(s):\nempty:\n" +
        "- (root): employmentInfo is required\n- age: Must be greater than or equal to 0\n",
    },
  },
  {
    golden: "output/schema-negative.txt",
    command: "install schema chart-with-schema -f chart-with-schema/extra-values.yaml",
    files: schemaFiles("empty", GOOD_PERSON),
    values: { age: -5, employmentInfo: null },
    want: {
      error:
        "values don't meet the specifications of the schema(s) in the following chart(s):\nempty:\n" +
        "- (root): employmentInfo is required\n- age: Must be greater than or equal to 0\n",
    },
  },
  {
    golden: "output/schema-negative-cli.txt",
    command: "install schema chart-with-schema --set age=-5",
    files: schemaFiles("empty", GOOD_PERSON),
    values: parseSetValues(["age=-5"]),
    want: {
      error:
        "values don't meet the specifications of the schema(s) in the following chart(s):\nempty:\n" +
        "- age: Must be greater than or equal to 0\n",
    },
  },
  {
    golden: "output/subchart-schema-negative.txt",
    command: "install schema chart-with-schema-and-subchart",
    files: schemaAndSubchartFiles(),
    want: {
      error:
        "values don't meet the specifications of the schema(s) in the following chart(s):\n" +
        "chart-without-schema:\n- (root): lastname is required\nsubchart-with-schema:\n- (root): age is required\n",
    },
  },
  {
    golden: "output/subchart-schema-cli.txt",
    command: "install schema chart-with-schema-and-subchart --set lastname=doe --set subchart-with-schema.age=25",
    files: schemaAndSubchartFiles(),
    values: parseSetValues(["lastname=doe", "subchart-with-schema.age=25"]),
    want: { renders: true },
  },
  {
    golden: "output/subchart-schema-cli-negative.txt",
    command: "install schema chart-with-schema-and-subchart --set lastname=doe --set subchart-with-schema.age=-25",
    files: schemaAndSubchartFiles(),
    values: parseSetValues(["lastname=doe", "subchart-with-schema.age=-25"]),
    want: {
      error:
        "values don't meet the specifications of the schema(s) in the following chart(s):\n" +
        "subchart-with-schema:\n- age: Must be greater than or equal to 0\n",
    },
  },
  {
    golden: "output/template-lib-chart.txt",
    command: "install libchart lib-chart",
    files: {
      "Chart.yaml": "apiVersion: v2\nname: lib-chart\ntype: library\nversion: 0.1.0\n",
      "templates/_helpers.tpl": '{{- define "lib.name" -}}lib{{- end -}}\n',
    },
    want: { error: "library charts are not installable" },
  },
  {
    golden: "output/install-chart-bad-type.txt",
    command: "install badtype chart-bad-type",
    files: { "Chart.yaml": "apiVersion: v2\nname: chart-bad-type\ntype: foobar\nversion: 0.1.0\n" },
    want: { error: "validation: chart.metadata.type must be application or library" },
  },
  {
    golden: "(wantError: chart-missing-deps)",
    command: "install nodeps chart-missing-deps",
    files: {
      "Chart.yaml":
        "apiVersion: v2\nname: chart-missing-deps\nversion: 0.1.0\n" +
        "dependencies:\n  - name: reqsubchart\n    version: 0.1.0\n    repository: https://example.com/charts\n",
      "templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
    },
    want: {
      error:
        "An error occurred while checking for chart dependencies. You may need to run `helm dependency build` to " +
        "fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: reqsubchart",
    },
  },
  {
    golden: "(wantError: chart-bad-requirements)",
    command: "install badreq chart-bad-requirements",
    files: {
      "Chart.yaml": "apiVersion: v1\nname: chart-bad-requirements\nversion: 0.1.0\n",
      "requirements.yaml":
        "dependencies:\n  - name: reqsubchart\n    version: 0.1.0\n    repository: file://../reqsubchart\n",
      "charts/reqsubchart/Chart.yaml": "apiVersion: v1\nname: reqsubchart2\nversion: 0.1.0\n",
      "templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
    },
    want: {
      error:
        "An error occurred while checking for chart dependencies. You may need to run `helm dependency build` to " +
        "fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: reqsubchart",
    },
  },
  {
    golden: "(no golden: the install succeeds)",
    command: "install withlibchartp chart-with-lib-dep",
    files: {
      "Chart.yaml":
        "apiVersion: v2\nname: chart-with-lib-dep\nversion: 0.1.0\ndependencies:\n  - name: common\n    version: 0.0.5\n",
      "templates/cm.yaml": '{{ include "common.configmap" . }}\n',
      "charts/common/Chart.yaml": "apiVersion: v2\nname: common\ntype: library\nversion: 0.0.5\n",
      "charts/common/templates/_configmap.tpl":
        '{{- define "common.configmap" -}}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n{{- end -}}\n',
    },
    want: { renders: true },
  },
  {
    golden: "(no golden: the install succeeds)",
    command: "install crd-test chart-with-only-crds",
    files: {
      "Chart.yaml": "apiVersion: v2\nname: chart-with-only-crds\nversion: 0.1.0\n",
      "crds/test-crd.yaml": CRD_A.split("\n").slice(2).join("\n"),
    },
    want: { renders: true },
  },
];

describe("Helm `helm install` goldens that rendering decides (cmd/helm/install_test.go)", () => {
  it.each(INSTALL_CASES)("$golden: $command", (c) => {
    const run = () =>
      renderChart(chartOf(c.files), { releaseName: "schema", namespace: "default", values: c.values ?? {} });
    if ("error" in c.want) expect(errorOf(run)).toBe(c.want.error);
    else expect(run().objects).toBeDefined();
  });

  it("output/install-name-template.txt: NAME: FOOBAR", () => {
    expect(renderTemplateString('{{upper "foobar"}}', undefined)).toBe("FOOBAR");
  });
});

/** Cases of the two command tests that do not depend on rendering, with the reason. */
export const NOT_EXPRESSIBLE: Readonly<Record<string, string>> = {
  "template: check no args (template-no-args.txt)": "command-line argument parsing",
  "template: hide-secrets (template-hide-secrets.txt)": "--hide-secret is an install --dry-run flag check",
  "install: basic install, replace, timeout, wait, wait-for-jobs": "release status and cluster waits, no rendering",
  "install: with values / multiple values / values file(s) / no hooks": "the goldens are release status text",
  "install: no args": "command-line argument parsing",
  "install: verification (3 cases)": "chart provenance and keyrings",
  "install: dependency update (chart-with-subchart-update.txt)": "fetches dependencies from a repository",
  "install: deprecated chart (deprecated-chart.txt)": "a CLI warning line and release status",
};
