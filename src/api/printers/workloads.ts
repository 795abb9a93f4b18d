// Table printers for apps/v1 and batch/v1 workloads, as upstream pkg/printers/internalversion/printers.go (1.32).

import {
  age,
  ageCol,
  arr,
  boolPtr,
  col,
  CONTAINERS_DOC,
  containerCells,
  formatLabels,
  formatLabelSelector,
  humanDuration,
  IMAGES_DOC,
  nameCol,
  nameOf,
  num,
  parseTime,
  printer,
  selectorString,
  since,
  str,
  type TablePrinter,
} from './util.js';

const wideTemplateCols = (selectorDoc: string) => [
  col('Containers', 'string', CONTAINERS_DOC, 1),
  col('Images', 'string', IMAGES_DOC, 1),
  col('Selector', 'string', selectorDoc, 1),
];

const deployments = printer(
  [
    nameCol(),
    col('Ready', 'string', 'Number of the pod with ready state'),
    col('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    col('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
    ageCol(),
    ...wideTemplateCols('Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.'),
  ],
  (obj, now) => {
    const [names, images] = containerCells(obj?.spec?.template?.spec?.containers);
    const selector = selectorString(obj?.spec?.selector) ?? '<invalid>';
    return [
      nameOf(obj),
      `${num(obj?.status?.readyReplicas)}/${num(obj?.spec?.replicas, 1)}`,
      num(obj?.status?.updatedReplicas),
      num(obj?.status?.availableReplicas),
      age(obj, now),
      names,
      images,
      selector,
    ];
  },
);

const replicaSets = printer(
  [
    nameCol(),
    col('Desired', 'integer', 'Replicas is the number of desired replicas.'),
    col('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
    col('Ready', 'integer', 'The number of ready replicas for this replica set.'),
    ageCol(),
    ...wideTemplateCols('Selector is a label query over pods that should match the replica count.'),
  ],
  (obj, now) => {
    const [names, images] = containerCells(obj?.spec?.template?.spec?.containers);
    return [
      nameOf(obj),
      num(obj?.spec?.replicas, 1),
      num(obj?.status?.replicas),
      num(obj?.status?.readyReplicas),
      age(obj, now),
      names,
      images,
      formatLabelSelector(obj?.spec?.selector),
    ];
  },
);

const statefulSets = printer(
  [
    nameCol(),
    col('Ready', 'string', 'Number of the pod with ready state'),
    ageCol(),
    col('Containers', 'string', CONTAINERS_DOC, 1),
    col('Images', 'string', IMAGES_DOC, 1),
  ],
  (obj, now) => {
    const [names, images] = containerCells(obj?.spec?.template?.spec?.containers);
    return [nameOf(obj), `${num(obj?.status?.readyReplicas)}/${num(obj?.spec?.replicas, 1)}`, age(obj, now), names, images];
  },
);

const daemonSets = printer(
  [
    nameCol(),
    col('Desired', 'integer', 'The total number of nodes that should be running the daemon pod.'),
    col('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
    col('Ready', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.'),
    col('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
    col('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.'),
    col('Node Selector', 'string', 'NodeSelector is a selector which must be true for the pod to fit on a node.'),
    ageCol(),
    ...wideTemplateCols('A label query over pods that are managed by the daemon set.'),
  ],
  (obj, now) => {
    const st = obj?.status ?? {};
    const [names, images] = containerCells(obj?.spec?.template?.spec?.containers);
    return [
      nameOf(obj),
      num(st.desiredNumberScheduled),
      num(st.currentNumberScheduled),
      num(st.numberReady),
      num(st.updatedNumberScheduled),
      num(st.numberAvailable),
      formatLabels(obj?.spec?.template?.spec?.nodeSelector),
      age(obj, now),
      names,
      images,
      formatLabelSelector(obj?.spec?.selector),
    ];
  },
);

/** `kind.group/name` in lower case for a controller owner reference (upstream formatResourceName). */
function controllerName(obj: any): string {
  const ref = arr(obj?.metadata?.ownerReferences).find((r) => r?.controller === true);
  if (!ref) return '<none>';
  const apiVersion = str(ref.apiVersion);
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const kind = str(ref.kind);
  if (kind === '' && group === '') return str(ref.name);
  const gk = group === '' ? kind : `${kind}.${group}`;
  return `${gk.toLowerCase()}/${str(ref.name)}`;
}

const controllerRevisions = printer(
  [
    nameCol(),
    col('Controller', 'string', 'Controller of the object'),
    col('Revision', 'string', 'Revision indicates the revision of the state represented by Data.'),
    ageCol(),
  ],
  (obj, now) => [nameOf(obj), controllerName(obj), num(obj?.revision), age(obj, now)],
);

function jobCondition(obj: any, type: string): boolean {
  for (const c of arr(obj?.status?.conditions)) {
    if (c?.type === type) return c?.status === 'True';
  }
  return false;
}

/** Upstream printJob's Status cell. */
function jobStatus(obj: any): string {
  if (jobCondition(obj, 'Complete')) return 'Complete';
  if (jobCondition(obj, 'Failed')) return 'Failed';
  if (parseTime(obj?.metadata?.deletionTimestamp) !== undefined) return 'Terminating';
  if (jobCondition(obj, 'Suspended')) return 'Suspended';
  if (jobCondition(obj, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

const jobs = printer(
  [
    nameCol(),
    col('Status', 'string', 'Status of the job.'),
    col('Completions', 'string', 'The number of pods which reached phase Succeeded.'),
    col('Duration', 'string', 'Time required to complete the job.'),
    ageCol(),
    ...wideTemplateCols('A label query over pods that should match the pod count.'),
  ],
  (obj, now) => {
    const spec = obj?.spec ?? {};
    const succeeded = num(obj?.status?.succeeded);
    let completions: string;
    if (typeof spec.completions === 'number') completions = `${succeeded}/${spec.completions}`;
    else if (num(spec.parallelism) > 1) completions = `${succeeded}/1 of ${num(spec.parallelism)}`;
    else completions = `${succeeded}/1`;
    const start = parseTime(obj?.status?.startTime);
    const end = parseTime(obj?.status?.completionTime);
    let duration = '';
    if (start !== undefined) duration = humanDuration((end ?? now).getTime() - start.getTime());
    const [names, images] = containerCells(spec.template?.spec?.containers);
    return [nameOf(obj), jobStatus(obj), completions, duration, age(obj, now), names, images, formatLabelSelector(spec.selector)];
  },
);

const cronJobs = printer(
  [
    nameCol(),
    col('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    col('Timezone', 'string', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'),
    col('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.'),
    col('Active', 'integer', 'A list of pointers to currently running jobs.'),
    col('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
    ageCol(),
    ...wideTemplateCols('A label query over pods that should match the pod count.'),
  ],
  (obj, now) => {
    const spec = obj?.spec ?? {};
    const last = obj?.status?.lastScheduleTime ? since(obj.status.lastScheduleTime, now) : '<none>';
    const jobSpec = spec.jobTemplate?.spec ?? {};
    const [names, images] = containerCells(jobSpec.template?.spec?.containers);
    return [
      nameOf(obj),
      str(spec.schedule),
      typeof spec.timeZone === 'string' ? spec.timeZone : '<none>',
      boolPtr(spec.suspend),
      arr(obj?.status?.active).length,
      last,
      age(obj, now),
      names,
      images,
      formatLabelSelector(jobSpec.selector),
    ];
  },
);

/** apps-group printers by plural resource name. */
export const appsPrinters: Record<string, TablePrinter> = {
  deployments,
  replicasets: replicaSets,
  statefulsets: statefulSets,
  daemonsets: daemonSets,
  controllerrevisions: controllerRevisions,
};

/** batch-group printers by plural resource name. */
export const batchPrinters: Record<string, TablePrinter> = { jobs, cronjobs: cronJobs };
