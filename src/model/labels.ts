/** Label and annotation keys, exactly as KubeVela writes them (kubevela:pkg/oam/labels.go). */
export const LABEL_APP_NAME = "app.oam.dev/name";
export const LABEL_APP_NAMESPACE = "app.oam.dev/namespace";
export const LABEL_APP_COMPONENT = "app.oam.dev/component";
export const LABEL_APP_REVISION = "app.oam.dev/appRevision";
export const LABEL_COMPONENT_REVISION = "app.oam.dev/revision";
export const LABEL_APP_CLUSTER = "app.oam.dev/cluster";
export const LABEL_TRAIT_TYPE = "trait.oam.dev/type";
export const LABEL_TRAIT_RESOURCE = "trait.oam.dev/resource";
export const LABEL_WORKLOAD_TYPE = "workload.oam.dev/type";
/** `WORKLOAD` on a component's main object, `TRAIT` on every other object it renders. */
export const LABEL_RESOURCE_TYPE = "app.oam.dev/resourceType";
export const LABEL_APP_REVISION_HASH = "app.oam.dev/app-revision-hash";
export const LABEL_ADDON_NAME = "addons.oam.dev/name";

export const ANNOTATION_PUBLISH_VERSION = "app.oam.dev/publishVersion";
export const ANNOTATION_AUTO_UPDATE = "app.oam.dev/autoUpdate";
export const ANNOTATION_DESCRIPTION = "definition.oam.dev/description";
export const ANNOTATION_SKIP_RESUME = "controller.core.oam.dev/skip-resume";
/** On an Application: comma-separated label keys not to propagate to the objects it renders. */
export const ANNOTATION_FILTER_LABEL_KEYS = "filter.oam.dev/label-keys";
/** On an Application: comma-separated annotation keys not to propagate to the objects it renders. */
export const ANNOTATION_FILTER_ANNOTATION_KEYS = "filter.oam.dev/annotation-keys";

/** The field manager vela-ts uses for server-side apply. */
export const FIELD_MANAGER = "vela-ts";
