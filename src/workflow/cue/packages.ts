/**
 * The CUE side of the step providers: the packages a WorkflowStepDefinition template imports
 * (`vela/op`, `vela/kube`, `vela/builtin`, `vela/util`, `vela/http`), with KubeVela's task names,
 * field names and result shapes (kubevela/workflow pkg/providers/…/*.cue and the legacy
 * pkg/stdlib/actions/v1/op.cue). A value carrying `#do` (and `#provider`) is a task: the step
 * runtime runs it and fills its result back in.
 *
 * Two shapes exist upstream and both are accepted:
 * - current packages (`vela/kube`, `vela/http`, `vela/builtin`, `vela/util`): the task's input is
 *   `$params`, its result is filled into `$returns`;
 * - the legacy umbrella `vela/op`: input and result fields sit on the task itself (`op.#Read`'s
 *   `value` becomes the live object, `op.#HTTPDo`'s `response`, `op.#ConvertString`'s `str`).
 */

/** `vela/kube`: objects in the cluster. An empty `cluster` is the cluster vela-ts drives. */
export const KUBE_PACKAGE = `
#Apply: {
	#do:       "apply"
	#provider: "kube"
	$params: {
		// +usage=Cluster to apply to; empty is the cluster vela-ts drives
		cluster: *"" | string
		// +usage=The object to apply (server-side apply; namespaced kinds default to the app's namespace)
		value: {...}
		// +usage=Unified into value before it is applied (+patchKey / +patchStrategy comments honoured)
		patch?: {...}
	}
	$returns?: {
		// +usage=The live object after the apply
		value?: {...}
		err?: string
	}
	...
}

#ApplyInParallel: {
	#do:       "apply-in-parallel"
	#provider: "kube"
	$params: {
		cluster: *"" | string
		value: [...{...}]
	}
	$returns?: {
		value?: [...{...}]
	}
	...
}

#Patch: {
	#do:       "patch"
	#provider: "kube"
	$params: {
		cluster: *"" | string
		// +usage=The object to patch (read from the cluster first)
		value: {...}
		// +usage=What to unify into the live object
		patch: {...}
	}
	$returns?: {
		result?: {...}
	}
	...
}

#Read: {
	#do:       "read"
	#provider: "kube"
	$params: {
		cluster: *"" | string
		// +usage=apiVersion, kind and metadata.name (and namespace) of the object to read
		value: {...}
	}
	$returns?: {
		// +usage=The live object
		value?: {...}
		// +usage=Set when the object could not be read (not found)
		err?: string
	}
	...
}

#List: {
	#do:       "list"
	#provider: "kube"
	$params: {
		cluster: *"" | string
		resource: {
			apiVersion: string
			kind:       string
		}
		filter?: {
			// +usage=Namespace to list in; empty lists every namespace
			namespace: *"" | string
			matchingLabels?: [string]: string
		}
	}
	$returns?: {
		// +usage=The list: {items: [...]}
		values?: {...}
		err?: string
	}
	...
}

#Delete: {
	#do:       "delete"
	#provider: "kube"
	$params: {
		cluster: *"" | string
		value: {
			apiVersion: string
			kind:       string
			metadata: {
				name?: string
				// +usage=Namespace of the object; empty is the app's namespace
				namespace: *"" | string
				...
			}
			...
		}
		filter?: {
			namespace?: string
			matchingLabels?: [string]: string
		}
	}
	$returns?: {
		value?: {...}
		err?: string
	}
	...
}
`;

/** `vela/builtin`: the control tasks the runtime itself carries out. */
export const BUILTIN_PACKAGE = `
#ConditionalWait: {
	#do:       "wait"
	#provider: "builtin"
	$params: {
		// +usage=The step waits (phase running, reason Wait) while this is false
		continue: *false | bool
		// +usage=Shown as the step's message while it waits
		message?: string
	}
}

#Suspend: {
	#do:       "suspend"
	#provider: "builtin"
	$params: {
		// +usage=Resume by itself after this long (30s, 1m, 2m15s); absent waits for workflow resume
		duration?: string
		message?:  string
	}
}

#Break: {
	#do:       "break"
	#provider: "builtin"
	$params: {
		message?: string
	}
}

#Fail: {
	#do:       "fail"
	#provider: "builtin"
	$params: {
		// +usage=Why the step failed (the step's message)
		message?: string
	}
}

#Message: {
	#do:       "message"
	#provider: "builtin"
	$params: {
		// +usage=Becomes the step's message
		message?: string
	}
}

#Steps: {
	...
}
`;

/** `vela/util`. */
export const UTIL_PACKAGE = `
#ConvertString: {
	#do:       "string"
	#provider: "util"
	$params: {
		bt: bytes
	}
	$returns?: {
		str: string
	}
	...
}

#Log: {
	#do:       "log"
	#provider: "util"
	$params: {
		// +usage=What to write to the log (a string or a struct)
		data?: {...} | string
		level: *3 | int
		source?: {...}
	}
}
`;

/** `vela/http`. */
export const HTTP_PACKAGE = `
#HTTPDo: {
	#do:       "do"
	#provider: "http"
	$params: {
		method: *"GET" | "POST" | "PUT" | "DELETE"
		url:    string
		request?: {
			// +usage=Go duration; the request fails after it (default 10s)
			timeout?: string
			body?:    string
			header?: [string]: string
			trailer?: [string]: string
			...
		}
		tls_config?: {
			secret:     string
			namespace?: string
		}
	}
	$returns?: {
		body: string
		header?: [string]: [...string]
		trailer?: [string]: [...string]
		statusCode: int
		...
	}
	...
}

#HTTPGet:    #HTTPDo & {$params: method: "GET"}
#HTTPPost:   #HTTPDo & {$params: method: "POST"}
#HTTPPut:    #HTTPDo & {$params: method: "PUT"}
#HTTPDelete: #HTTPDo & {$params: method: "DELETE"}
`;

/**
 * `vela/metrics` (kubevela/workflow pkg/providers/metrics): `#PromCheck` reads one metric and
 * tells whether its condition has held for `duration` (`result`) or failed for `failDuration`
 * (`failed`); the times are kept between executions of the step.
 */
export const METRICS_PACKAGE = `
#PromCheck: {
	#do:       "promCheck"
	#provider: "metrics"
	$params: {
		query:          string
		metricEndpoint: *"http://prometheus-server.o11y-system.svc:9090" | string
		condition:      string
		stepID?:        string
		failDuration:   *"2m" | string
		duration:       *"5m" | string
	}
	$returns?: {
		message?: string
		failed:   bool
		result:   bool
	}
	...
}
`;

/**
 * `vela/op`, the legacy umbrella: fields on the task itself. `#ApplyComponent`, `#Load` and
 * `#ApplyRemaining` work on the application's own components.
 */
export const OP_PACKAGE = `
import "encoding/json"

#ConditionalWait: {
	#do:      "wait"
	continue: bool
	message?: string
	...
}

#Suspend: {
	#do:          "suspend"
	duration?:    string
	message?:     string
	suspendedAt?: string
	...
}

#Break: {
	#do:      "break"
	message?: string
	...
}

#Fail: {
	#do:      "fail"
	message?: string
	...
}

#Message: {
	#do:      "message"
	message?: string
	...
}

#Steps: {
	#do: "steps"
	...
}

#Apply: {
	#do:       "apply"
	#provider: "kube"
	cluster:   *"" | string
	value: {...}
	patch?: {...}
	...
}

#ApplyInParallel: {
	#do:       "apply-in-parallel"
	#provider: "kube"
	cluster:   *"" | string
	value: [...{...}]
	...
}

#Patch: {
	#do:       "patch"
	#provider: "kube"
	cluster:   *"" | string
	value: {...}
	patch: {...}
	result?: {...}
	...
}

#Read: {
	#do:       "read"
	#provider: "kube"
	cluster:   *"" | string
	value: {...}
	err?: string
	...
}

#PromCheck: {
	#do:            "promCheck"
	#provider:      "metrics"
	query:          string
	metricEndpoint: *"http://prometheus-server.o11y-system.svc:9090" | string
	condition:      string
	stepID?:        string
	failDuration:   *"2m" | string
	duration:       *"5m" | string
	message?:       string
	failed?:        bool
	result?:        bool
	...
}

#List: {
	#do:       "list"
	#provider: "kube"
	cluster:   *"" | string
	resource: {
		apiVersion: string
		kind:       string
	}
	filter?: {
		namespace: *"" | string
		matchingLabels?: [string]: string
	}
	list?: {...}
	err?: string
	...
}

#Delete: {
	#do:       "delete"
	#provider: "kube"
	cluster:   *"" | string
	value: {
		apiVersion: string
		kind:       string
		metadata: {
			name?:     string
			namespace: *"" | string
			...
		}
		...
	}
	filter?: {
		namespace?: string
		matchingLabels?: [string]: string
	}
	err?: string
	...
}

#HTTPDo: {
	#do:       "do"
	#provider: "http"
	method:    *"GET" | "POST" | "PUT" | "DELETE"
	url:       string
	request?: {
		timeout?: string
		body?:    string
		header?: [string]: string
		trailer?: [string]: string
		...
	}
	tls_config?: {
		secret:     string
		namespace?: string
	}
	response?: {
		body: string
		header?: [string]: [...string]
		trailer?: [string]: [...string]
		statusCode: int
		...
	}
	...
}

#HTTPGet:    #HTTPDo & {method: "GET"}
#HTTPPost:   #HTTPDo & {method: "POST"}
#HTTPPut:    #HTTPDo & {method: "PUT"}
#HTTPDelete: #HTTPDo & {method: "DELETE"}

#ConvertString: {
	#do:       "string"
	#provider: "util"
	bt:        bytes
	str?:      string
	...
}

#Log: {
	#do:       "log"
	#provider: "util"
	data?:     {...} | string
	level:     *3 | int
	source?: {...}
	...
}

#ApplyComponent: {
	#do:       "component-apply"
	#provider: "oam"
	cluster:   *"" | string
	env:       *"" | string
	namespace: *"" | string
	// +usage=Wait until the component is healthy (the step waits with reason Wait)
	waitHealthy: *true | bool
	// +usage=The component, as #Load gives it (name, type, properties, traits)
	value: {...}
	patch?: {...}
	...
}

#Load: {
	#do:       "load"
	#provider: "oam"
	app?:      string
	// +usage=The application's components by name, filled in when the task ran
	value?: {...}
	...
}

#ApplyRemaining: #Steps & {
	// +usage=Components not to apply
	exceptions: *[] | [...string]
	_except: {for name in exceptions {"\\(name)": true}}
	load: #Load @step(1)
	components: #Steps & {
		if load.value != _|_ {
			for name, component in load.value if _except[name] == _|_ {
				"\\(name)": #ApplyComponent & {value: component}
			}
		}
	} @step(2)
}

#ApplyApplication: #ApplyRemaining & {exceptions: []}

// Slack, DingTalk and Lark take the same JSON POST; only the URL field is named after the vendor.
#PostMessage: #Steps & {
	message: {...}
	_url:    string
	do: #HTTPPost & {
		url: _url
		request: {
			body: json.Marshal(message)
			header: "Content-Type": "application/json"
		}
	}
}

#Slack: #PostMessage & {
	slackUrl: string
	_url:     slackUrl
}

#DingTalk: #PostMessage & {
	dingUrl: string
	_url:    dingUrl
}

#Lark: #PostMessage & {
	larkUrl: string
	_url:    larkUrl
}
`;
