/**
 * The OpenAPI schemas the served sandbox publishes (`kubectl explain`): compact schemas of the
 * fields the sandbox's simulated controllers read or write, for the built-in kinds and the Kruise,
 * Argo Rollouts and KubeVela CRDs, with short descriptions in our own words (upstream's field
 * documentation is the reference). A kind not described here gets its envelope: `apiVersion`,
 * `kind`, `metadata`, and `spec`/`status` kept open. Long because it is data.
 */
import { velaCustomResourceDefinitions } from "../../../model/vela-crds.js";
import { isJsonObject, type JsonObject } from "../../../util/index.js";
import type { ResourceType } from "../../resources.js";

type Props = Readonly<Record<string, JsonObject>>;

function str(description: string, extra: JsonObject = {}): JsonObject {
  return { type: "string", description, ...extra };
}
function int(description: string): JsonObject {
  return { type: "integer", format: "int32", description };
}
function bool(description: string): JsonObject {
  return { type: "boolean", description };
}
/** An int or a percentage (`maxSurge: 25%`). */
function intOrString(description: string): JsonObject {
  return { type: "string", format: "int-or-string", description };
}
function obj(description: string, properties: Props, required: readonly string[] = []): JsonObject {
  return {
    type: "object",
    description,
    properties: { ...properties },
    ...(required.length > 0 ? { required: [...required] } : {}),
  };
}
function open(description: string): JsonObject {
  return { type: "object", description, "x-kubernetes-preserve-unknown-fields": true };
}
/** An array; its items' description is dropped (kubectl explain shows the array's). */
function list(description: string, items: JsonObject): JsonObject {
  const { description: _items, ...rest } = items;
  return { type: "array", description, items: rest };
}
function stringMap(description: string): JsonObject {
  return { type: "object", description, additionalProperties: { type: "string" } };
}

const OBJECT_META = obj("Standard object metadata: name, namespace, labels, annotations, owners.", {
  name: str("Unique name within the namespace (or the cluster, for cluster-scoped kinds)."),
  generateName: str("A prefix the server completes into a unique name when name is empty."),
  namespace: str("The namespace the object lives in."),
  labels: stringMap("Key/value pairs that selectors match."),
  annotations: stringMap("Key/value pairs for tools; not used to select objects."),
  uid: str("Set by the server: unique for the object's whole life."),
  resourceVersion: str("Set by the server: changes with every write (optimistic concurrency)."),
  generation: { type: "integer", format: "int64", description: "Set by the server: bumped when the spec changes." },
  creationTimestamp: str("Set by the server: when the object was created.", { format: "date-time" }),
  deletionTimestamp: str("Set by the server: when the deletion was asked for.", { format: "date-time" }),
  finalizers: list("Names that must be removed before the object is deleted.", { type: "string" }),
  ownerReferences: list(
    "The objects this one depends on; it is garbage-collected with them.",
    obj(
      "An owner.",
      {
        apiVersion: str("API version of the owner."),
        kind: str("Kind of the owner."),
        name: str("Name of the owner."),
        uid: str("UID of the owner."),
        controller: bool("True for the managing controller."),
        blockOwnerDeletion: bool("Foreground deletion of the owner waits for this object."),
      },
      ["apiVersion", "kind", "name", "uid"],
    ),
  ),
});

const LABEL_SELECTOR = obj("A label query over objects; the requirements are ANDed.", {
  matchLabels: stringMap("Labels that must all be present with these values."),
  matchExpressions: list(
    "Set-based requirements.",
    obj(
      "key, operator (In, NotIn, Exists, DoesNotExist) and values.",
      {
        key: str("The label key."),
        operator: str("In, NotIn, Exists or DoesNotExist."),
        values: list("Values for In and NotIn.", { type: "string" }),
      },
      ["key", "operator"],
    ),
  ),
});

const CONTAINER = obj(
  "A container of the pod.",
  {
    name: str("Name of the container, unique in the pod."),
    image: str("The container image; the sandbox reports it as the version that answers requests."),
    imagePullPolicy: str("Always, IfNotPresent or Never."),
    command: list("Entrypoint (replaces the image's ENTRYPOINT).", { type: "string" }),
    args: list("Arguments (replace the image's CMD).", { type: "string" }),
    ports: list(
      "Ports the container exposes.",
      obj("A port.", {
        name: str("Name a Service's targetPort may refer to."),
        containerPort: int("The port number."),
        protocol: str("TCP (default), UDP or SCTP."),
      }),
    ),
    env: list(
      "Environment variables.",
      obj("name and value (or valueFrom).", {
        name: str("The variable's name."),
        value: str("Its value."),
        valueFrom: open("A ConfigMap, Secret, field or resource reference."),
      }),
    ),
    resources: obj("Compute resources.", {
      requests: stringMap("Minimum resources (cpu, memory)."),
      limits: stringMap("Maximum resources (cpu, memory)."),
    }),
    readinessProbe: open("When the container is ready for traffic."),
    livenessProbe: open("When the container must be restarted."),
    volumeMounts: list(
      "Volumes mounted in the container.",
      obj("A mount.", { name: str("The pod volume's name."), mountPath: str("Where it is mounted.") }),
    ),
  },
  ["name"],
);

const POD_SPEC = obj(
  "What the pod runs.",
  {
    containers: list("The pod's containers (at least one); the first answers the pod's requests.", CONTAINER),
    initContainers: list("Containers run to completion, in order, before the others start.", CONTAINER),
    restartPolicy: str("Always, OnFailure or Never."),
    serviceAccountName: str("The ServiceAccount the pod runs as."),
    nodeSelector: stringMap("Node labels the pod's node must have."),
    affinity: open("Node and pod (anti-)affinity scheduling rules."),
    tolerations: list("Taints the pod tolerates.", open("A toleration.")),
    volumes: list("Volumes the containers may mount.", open("A volume: name and source.")),
    terminationGracePeriodSeconds: {
      type: "integer",
      format: "int64",
      description: "Seconds between SIGTERM and SIGKILL.",
    },
  },
  ["containers"],
);

const POD_TEMPLATE = obj("The pods to create: their metadata and spec.", { metadata: OBJECT_META, spec: POD_SPEC });

const CONDITIONS = list(
  "The latest observations of the object's state.",
  obj("A condition.", {
    type: str("The condition's type (Available, Progressing, Ready…)."),
    status: str("True, False or Unknown."),
    reason: str("A machine-readable reason for the last transition."),
    message: str("A human-readable message."),
    lastTransitionTime: str("When the status last changed.", { format: "date-time" }),
  }),
);

const REPLICA_STATUS: Props = {
  observedGeneration: { type: "integer", format: "int64", description: "The generation the controller last acted on." },
  replicas: int("Pods targeted by the workload."),
  updatedReplicas: int("Pods of the current template."),
  readyReplicas: int("Pods that are Ready."),
  availableReplicas: int("Pods Ready for at least minReadySeconds."),
  conditions: CONDITIONS,
};

const DEPLOYMENT_SPEC = obj(
  "The desired state of the Deployment.",
  {
    replicas: int("Number of desired pods. Defaults to 1."),
    selector: {
      ...LABEL_SELECTOR,
      description: "Which pods the Deployment manages; must match the template's labels; immutable.",
    },
    template: POD_TEMPLATE,
    strategy: obj("How old pods are replaced by new ones.", {
      type: str("RollingUpdate (default) or Recreate."),
      rollingUpdate: obj("Rolling update parameters.", {
        maxSurge: intOrString("Pods above the desired count during the update (number or percentage, default 25%)."),
        maxUnavailable: intOrString(
          "Pods that may be unavailable during the update (number or percentage, default 25%).",
        ),
      }),
    }),
    minReadySeconds: int("Seconds a new pod must be Ready to count as available."),
    revisionHistoryLimit: int("Old ReplicaSets kept for rollback. Defaults to 10."),
    paused: bool("A paused Deployment does not roll out template changes."),
    progressDeadlineSeconds: int("Seconds before a rollout that makes no progress is reported failed."),
  },
  ["selector", "template"],
);

const BUILT_IN: Readonly<
  Record<
    string,
    { readonly description: string; readonly spec?: JsonObject; readonly status?: JsonObject; readonly extra?: Props }
  >
> = {
  "apps/Deployment": {
    description: "Declarative updates of pods through ReplicaSets.",
    spec: DEPLOYMENT_SPEC,
    status: obj("The observed state of the Deployment.", {
      ...REPLICA_STATUS,
      unavailableReplicas: int("Pods still needed for the desired count to be available."),
    }),
  },
  "apps/ReplicaSet": {
    description: "Keeps a number of identical pods running.",
    spec: obj(
      "The desired state of the ReplicaSet.",
      {
        replicas: int("Number of desired pods. Defaults to 1."),
        selector: LABEL_SELECTOR,
        template: POD_TEMPLATE,
        minReadySeconds: int("Seconds a new pod must be Ready to count as available."),
      },
      ["selector"],
    ),
    status: obj("The observed state of the ReplicaSet.", {
      ...REPLICA_STATUS,
      fullyLabeledReplicas: int("Pods whose labels match the template's."),
    }),
  },
  "apps/StatefulSet": {
    description: "Pods with stable names and storage, created and updated in order.",
    spec: obj(
      "The desired state of the StatefulSet.",
      {
        replicas: int("Number of desired pods. Defaults to 1."),
        selector: LABEL_SELECTOR,
        template: POD_TEMPLATE,
        serviceName: str("The headless Service that gives the pods their network identity."),
        podManagementPolicy: str("OrderedReady (default) or Parallel."),
        updateStrategy: obj("How pods are updated.", {
          type: str("RollingUpdate (default) or OnDelete."),
          rollingUpdate: obj("Rolling update parameters.", {
            partition: int("Pods with an ordinal below this keep the old template."),
            maxUnavailable: intOrString("Pods that may be unavailable during the update."),
          }),
        }),
        volumeClaimTemplates: list("Claims each pod gets its own copy of.", open("A PersistentVolumeClaim.")),
        minReadySeconds: int("Seconds a new pod must be Ready to count as available."),
        revisionHistoryLimit: int("Old ControllerRevisions kept."),
      },
      ["selector", "template"],
    ),
    status: obj("The observed state of the StatefulSet.", {
      ...REPLICA_STATUS,
      currentReplicas: int("Pods of currentRevision."),
      currentRevision: str("The revision of the pods before the update."),
      updateRevision: str("The revision being rolled out."),
    }),
  },
  "apps/DaemonSet": {
    description: "One pod on each (selected) node.",
    spec: obj(
      "The desired state of the DaemonSet.",
      { selector: LABEL_SELECTOR, template: POD_TEMPLATE, updateStrategy: open("RollingUpdate or OnDelete.") },
      ["selector", "template"],
    ),
    status: open("The observed state of the DaemonSet."),
  },
  "batch/Job": {
    description: "Pods run to completion.",
    spec: obj(
      "The desired state of the Job.",
      {
        template: POD_TEMPLATE,
        completions: int("Successful pods needed. Defaults to 1."),
        parallelism: int("Pods running at once. Defaults to 1."),
        backoffLimit: int("Retries before the Job fails. Defaults to 6."),
        activeDeadlineSeconds: { type: "integer", format: "int64", description: "Seconds the Job may run." },
        ttlSecondsAfterFinished: int("Seconds after which a finished Job is deleted."),
        selector: LABEL_SELECTOR,
      },
      ["template"],
    ),
    status: obj("The observed state of the Job.", {
      active: int("Running pods."),
      succeeded: int("Pods that succeeded."),
      failed: int("Pods that failed."),
      startTime: str("When the Job started.", { format: "date-time" }),
      completionTime: str("When the Job completed.", { format: "date-time" }),
      conditions: CONDITIONS,
    }),
  },
  "/Pod": {
    description: "A group of containers scheduled together on a node.",
    spec: POD_SPEC,
    status: obj("The pod's state as the (simulated) kubelet reports it.", {
      phase: str("Pending, Running, Succeeded, Failed or Unknown."),
      podIP: str("The pod's address."),
      hostIP: str("The node's address."),
      startTime: str("When the kubelet started the pod.", { format: "date-time" }),
      conditions: CONDITIONS,
      containerStatuses: list(
        "Each container's state.",
        obj("A container's state.", {
          name: str("The container's name."),
          image: str("The image it runs."),
          ready: bool("Whether it passes its readiness probe."),
          restartCount: int("How many times it was restarted."),
          state: open("waiting, running (startedAt) or terminated."),
          lastState: open("The previous instance's final state."),
        }),
      ),
    }),
  },
  "/Service": {
    description: "A stable address for a set of pods.",
    spec: obj("How the Service is exposed and which pods answer.", {
      type: str("ClusterIP (default), NodePort, LoadBalancer or ExternalName."),
      selector: stringMap("Pods with these labels answer the Service."),
      ports: list(
        "The ports the Service exposes.",
        obj(
          "A port.",
          {
            name: str("The port's name (required with more than one port)."),
            port: int("The port the Service listens on."),
            targetPort: intOrString("The pod port (number or name) requests go to. Defaults to port."),
            protocol: str("TCP (default), UDP or SCTP."),
            nodePort: int("The node port for NodePort and LoadBalancer Services."),
          },
          ["port"],
        ),
      ),
      clusterIP: str("The Service's virtual address; set by the server, immutable."),
      clusterIPs: list("The Service's virtual addresses.", { type: "string" }),
      externalName: str("The DNS name an ExternalName Service points to."),
      sessionAffinity: str("None (default) or ClientIP."),
    }),
    status: open("Load balancer status."),
  },
  "/ConfigMap": {
    description: "Non-secret configuration data.",
    extra: {
      data: stringMap("Configuration data as UTF-8 text."),
      binaryData: stringMap("Configuration data as base64."),
      immutable: bool("When true, the data cannot be changed."),
    },
  },
  "/Secret": {
    description: "Sensitive data (passwords, tokens, keys).",
    extra: {
      type: str("How the data is used (Opaque, kubernetes.io/tls…)."),
      data: stringMap("The data, base64-encoded."),
      stringData: stringMap("Write-only data as text; merged into data."),
      immutable: bool("When true, the data cannot be changed."),
    },
  },
  "/Namespace": {
    description: "A scope for names.",
    spec: obj("Namespace spec.", {
      finalizers: list("What must finish before the namespace goes.", { type: "string" }),
    }),
    status: obj("Namespace status.", { phase: str("Active or Terminating.") }),
  },
  "networking.k8s.io/Ingress": {
    description: "HTTP routes from outside the cluster to Services.",
    spec: obj("Rules and backends.", {
      ingressClassName: str("The IngressClass (controller) that serves this Ingress."),
      defaultBackend: open("Where requests no rule matches go."),
      tls: list("TLS hosts and their certificate Secrets.", open("hosts and secretName.")),
      rules: list(
        "Host rules; the first matching host and path win.",
        obj("A host and its paths.", {
          host: str("The host name (may start with *.); empty matches every host."),
          http: obj("HTTP paths.", {
            paths: list(
              "Paths and the Services behind them.",
              obj("A path.", {
                path: str("The path to match."),
                pathType: str("Prefix, Exact or ImplementationSpecific."),
                backend: obj("The Service requests go to.", {
                  service: obj("A Service port.", {
                    name: str("The Service's name."),
                    port: obj("The port.", { number: int("By number."), name: str("By name.") }),
                  }),
                }),
              }),
            ),
          }),
        }),
      ),
    }),
    status: open("The load balancer's address."),
  },
};

const KRUISE_ROLLOUT_SPEC = obj(
  "How a Kruise Rollout releases its workload (v1beta1).",
  {
    workloadRef: obj(
      "The workload the Rollout releases.",
      { apiVersion: str("Its API version."), kind: str("Deployment, CloneSet, StatefulSet…"), name: str("Its name.") },
      ["apiVersion", "kind", "name"],
    ),
    strategy: obj("The release strategy.", {
      canary: obj("A canary release in steps.", {
        steps: list(
          "Steps run in order; each sets the canary's size and traffic, then pauses.",
          obj("A step.", {
            replicas: intOrString("Canary pods: a number or a percentage of the workload's replicas."),
            traffic: str("Share of traffic sent to the canary, e.g. 20%."),
            matches: list("Header or query matches sent to the canary instead of a share.", open("A match.")),
            pause: obj("How long to wait before the next step.", {
              duration: int("Seconds; without it, the step waits for an approval."),
            }),
          }),
        ),
        trafficRoutings: list(
          "How traffic is split: the Service and the Ingress, Gateway route or custom objects.",
          obj("A traffic routing.", {
            service: str("The stable Service."),
            ingress: obj("An Ingress.", { classType: str("nginx (default), higress…"), name: str("The Ingress.") }),
            gateway: obj("A Gateway API route.", { httpRouteName: str("The HTTPRoute.") }),
            customNetworkRefs: list("Other routing objects (VirtualService…).", open("apiVersion, kind and name.")),
          }),
        ),
        enableExtraWorkloadForCanary: bool(
          "Run the canary as a separate Deployment (canary style) rather than in place.",
        ),
      }),
      paused: bool("Pause the release at its current step."),
    }),
  },
  ["workloadRef", "strategy"],
);

const ARGO_ROLLOUT_SPEC = obj("How an Argo Rollout runs and releases its pods.", {
  replicas: int("Number of desired pods. Defaults to 1."),
  selector: LABEL_SELECTOR,
  template: POD_TEMPLATE,
  workloadRef: open("A Deployment whose template the Rollout uses instead of template."),
  revisionHistoryLimit: int("Old ReplicaSets kept. Defaults to 10."),
  paused: bool("Pause the Rollout."),
  strategy: obj("canary or blueGreen.", {
    canary: obj("A canary release in steps.", {
      canaryService: str("The Service that selects only canary pods."),
      stableService: str("The Service that selects only stable pods."),
      steps: list(
        "setWeight, pause, setCanaryScale, analysis or experiment steps, run in order.",
        obj("A step.", {
          setWeight: int("Percentage of traffic (or pods, without traffic routing) for the canary."),
          pause: obj("Wait.", { duration: intOrString("How long (10s, 1m); without it, until promoted.") }),
          setCanaryScale: open("Canary pods independent of the weight."),
          analysis: open("An AnalysisRun the step waits for."),
        }),
      ),
      trafficRouting: open("nginx, istio, traefik or plugin routers that split traffic by weight."),
      analysis: open("A background AnalysisRun for the whole release."),
      maxSurge: intOrString("Pods above the desired count during the update."),
      maxUnavailable: intOrString("Pods that may be unavailable during the update."),
    }),
    blueGreen: obj("A blue-green release.", {
      activeService: str("The Service switched to the new pods on promotion."),
      previewService: str("The Service that selects the new pods before promotion."),
      autoPromotionEnabled: bool("Promote without waiting. Defaults to true."),
      autoPromotionSeconds: int("Promote after this many seconds."),
      scaleDownDelaySeconds: int("Seconds before the old pods are scaled down."),
    }),
  }),
});

const CLONESET_SPEC = obj(
  "The desired state of a Kruise CloneSet.",
  {
    replicas: int("Number of desired pods. Defaults to 1."),
    selector: LABEL_SELECTOR,
    template: POD_TEMPLATE,
    updateStrategy: obj("How pods are updated.", {
      type: str("ReCreate (default), InPlaceIfPossible or InPlaceOnly."),
      partition: intOrString("Pods (number or percentage) kept at the old revision."),
      maxUnavailable: intOrString("Pods that may be unavailable during the update."),
      maxSurge: intOrString("Pods above the desired count during the update."),
      paused: bool("Pause the update."),
    }),
    scaleStrategy: open("podsToDelete and maxUnavailable when scaling."),
    minReadySeconds: int("Seconds a new pod must be Ready to count as available."),
  },
  ["selector", "template"],
);

const KRUISE_ROLLOUT_V1ALPHA1_SPEC = obj(
  "How a Kruise Rollout releases its workload (v1alpha1: the workload is under objectRef).",
  {
    objectRef: obj("What the Rollout releases.", {
      workloadRef: obj(
        "The workload.",
        {
          apiVersion: str("Its API version."),
          kind: str("Deployment, CloneSet, StatefulSet…"),
          name: str("Its name."),
        },
        ["apiVersion", "kind", "name"],
      ),
    }),
    strategy:
      isJsonObject(KRUISE_ROLLOUT_SPEC.properties) && isJsonObject(KRUISE_ROLLOUT_SPEC.properties.strategy)
        ? KRUISE_ROLLOUT_SPEC.properties.strategy
        : open("The release strategy."),
  },
  ["objectRef", "strategy"],
);

/** Custom kinds by `group/kind` (`group/kind/version` where a version's shape differs). */
const CUSTOM: Readonly<Record<string, { readonly description: string; readonly spec: JsonObject }>> = {
  "rollouts.kruise.io/Rollout/v1alpha1": {
    description: "An OpenKruise Rollout: a canary or partition release of a workload, in steps.",
    spec: KRUISE_ROLLOUT_V1ALPHA1_SPEC,
  },
  "rollouts.kruise.io/Rollout": {
    description: "An OpenKruise Rollout: a canary or partition release of a workload, in steps.",
    spec: KRUISE_ROLLOUT_SPEC,
  },
  "argoproj.io/Rollout": {
    description: "An Argo Rollout: a Deployment-like workload with canary and blue-green releases.",
    spec: ARGO_ROLLOUT_SPEC,
  },
  "apps.kruise.io/CloneSet": {
    description: "An OpenKruise CloneSet: a Deployment-like workload with in-place updates and partitions.",
    spec: CLONESET_SPEC,
  },
};

/** The schemas `vela-ts install` puts in its CRDs, by kind. */
function velaSchemas(): Map<string, JsonObject> {
  const schemas = new Map<string, JsonObject>();
  for (const crd of velaCustomResourceDefinitions()) {
    const spec = isJsonObject(crd.spec) ? crd.spec : {};
    const names = isJsonObject(spec.names) ? spec.names : {};
    const version = Array.isArray(spec.versions) ? spec.versions[0] : undefined;
    const schema = isJsonObject(version) && isJsonObject(version.schema) ? version.schema.openAPIV3Schema : undefined;
    if (typeof names.kind === "string" && isJsonObject(schema)) schemas.set(names.kind, schema);
  }
  return schemas;
}

let velaCache: Map<string, JsonObject> | undefined;

function envelope(type: ResourceType, description: string, body: Props): JsonObject {
  return {
    type: "object",
    description,
    properties: {
      apiVersion: str("The versioned schema of this representation of the object."),
      kind: str(`The kind of the object: ${type.kind}.`),
      metadata: OBJECT_META,
      ...body,
    },
  };
}

/** The schema of one served kind (without the group-version-kind extension). */
export function kindSchema(type: ResourceType, version: string): JsonObject {
  const builtIn = BUILT_IN[`${type.group}/${type.kind}`];
  if (builtIn !== undefined)
    return envelope(type, builtIn.description, {
      ...(builtIn.spec === undefined ? {} : { spec: builtIn.spec }),
      ...(builtIn.status === undefined ? {} : { status: builtIn.status }),
      ...builtIn.extra,
    });
  const custom = CUSTOM[`${type.group}/${type.kind}/${version}`] ?? CUSTOM[`${type.group}/${type.kind}`];
  if (custom !== undefined)
    return envelope(type, custom.description, {
      spec: custom.spec,
      status: open(`The observed state of the ${type.kind}, written by its (simulated) controller.`),
    });
  if (type.group === "core.oam.dev") {
    velaCache ??= velaSchemas();
    const vela = velaCache.get(type.kind);
    if (vela !== undefined) {
      const properties = isJsonObject(vela.properties) ? vela.properties : {};
      return {
        ...vela,
        description: `A KubeVela ${type.kind} (the schema vela-ts install puts in its CRD).`,
        properties: { ...properties, metadata: OBJECT_META },
      };
    }
  }
  return envelope(type, `A ${type.kind}; the served sandbox does not describe its fields.`, {
    spec: open(`The desired state of the ${type.kind}.`),
    status: open(`The observed state of the ${type.kind}.`),
  });
}

/** The schema's name in `components.schemas` / `definitions`: `io.k8s.api.apps.v1.Deployment`, `io.kruise.rollouts.v1beta1.Rollout`. */
export function schemaName(group: string, version: string, kind: string): string {
  if (group === "" || group.endsWith(".k8s.io") || !group.includes("."))
    return `io.k8s.api.${group === "" ? "core" : (group.split(".")[0] ?? group)}.${version}.${kind}`;
  return `${group.split(".").reverse().join(".")}.${version}.${kind}`;
}
