// apps/v1 and batch/v1 workload defaults (upstream pkg/apis/{apps,batch}/v1/defaults.go) and the Job strategy's
// generated selector and labels.
import { defaultPodTemplateSpec } from './pod.js';
import { child, def, items, obj, type Obj } from './util.js';

/** Deployment: replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit 10, progressDeadlineSeconds 600. */
export function defaultDeployment(d: Obj): void {
  const spec = child(d, 'spec');
  if (!spec) return;
  def(spec, 'replicas', 1);
  const strategy = child(spec, 'strategy');
  if (strategy) {
    def(strategy, 'type', 'RollingUpdate', true);
    if (strategy['type'] === 'RollingUpdate') {
      const ru = child(strategy, 'rollingUpdate');
      if (ru) {
        def(ru, 'maxUnavailable', '25%');
        def(ru, 'maxSurge', '25%');
      }
    }
  }
  def(spec, 'revisionHistoryLimit', 10);
  def(spec, 'progressDeadlineSeconds', 600);
  defaultPodTemplateSpec(spec['template']);
}

/** ReplicaSet: replicas 1. */
export function defaultReplicaSet(rs: Obj): void {
  const spec = child(rs, 'spec');
  if (!spec) return;
  def(spec, 'replicas', 1);
  defaultPodTemplateSpec(spec['template']);
}

/** StatefulSet: OrderedReady, RollingUpdate partition 0, Retain/Retain PVC policy, replicas 1, history 10; claim templates. */
export function defaultStatefulSet(s: Obj): void {
  const spec = child(s, 'spec');
  if (!spec) return;
  def(spec, 'podManagementPolicy', 'OrderedReady', true);
  const us = child(spec, 'updateStrategy');
  if (us) {
    def(us, 'type', 'RollingUpdate', true);
    if (us['type'] === 'RollingUpdate') {
      const ru = child(us, 'rollingUpdate');
      if (ru) def(ru, 'partition', 0);
    }
  }
  const rp = child(spec, 'persistentVolumeClaimRetentionPolicy');
  if (rp) {
    def(rp, 'whenDeleted', 'Retain', true);
    def(rp, 'whenScaled', 'Retain', true);
  }
  def(spec, 'replicas', 1);
  def(spec, 'revisionHistoryLimit', 10);
  for (const vct of items(spec['volumeClaimTemplates'])) {
    const vs = child(vct, 'spec');
    if (vs) def(vs, 'volumeMode', 'Filesystem', true);
    const st = child(vct, 'status');
    if (st) def(st, 'phase', 'Pending', true);
  }
  defaultPodTemplateSpec(spec['template']);
}

/** DaemonSet: RollingUpdate maxUnavailable 1 / maxSurge 0, revisionHistoryLimit 10. */
export function defaultDaemonSet(ds: Obj): void {
  const spec = child(ds, 'spec');
  if (!spec) return;
  const us = child(spec, 'updateStrategy');
  if (us) {
    def(us, 'type', 'RollingUpdate', true);
    if (us['type'] === 'RollingUpdate') {
      const ru = child(us, 'rollingUpdate');
      if (ru) {
        def(ru, 'maxUnavailable', 1);
        def(ru, 'maxSurge', 0);
      }
    }
  }
  def(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplateSpec(spec['template']);
}

/**
 * Job (SetDefaults_Job): completions/parallelism 1 when both unset, parallelism 1, backoffLimit 6 (MaxInt32 with
 * backoffLimitPerIndex), labels from the template when the job has none, NonIndexed, suspend false,
 * podReplacementPolicy, manualSelector false. Then, when `metadata.uid` is set and the selector is not manual, the
 * strategy's generated selector `batch.kubernetes.io/controller-uid=<uid>` and template labels
 * (`batch.kubernetes.io/controller-uid`, `batch.kubernetes.io/job-name`, `controller-uid`, `job-name`).
 */
export function defaultJob(job: Obj): void {
  const spec = child(job, 'spec');
  if (!spec) return;
  const meta = child(job, 'metadata') ?? {};
  if ((spec['completions'] === undefined || spec['completions'] === null) && (spec['parallelism'] === undefined || spec['parallelism'] === null)) {
    spec['completions'] = 1;
    spec['parallelism'] = 1;
  }
  def(spec, 'parallelism', 1);
  def(spec, 'backoffLimit', spec['backoffLimitPerIndex'] !== undefined && spec['backoffLimitPerIndex'] !== null ? 2147483647 : 6);
  const tmpl = child(spec, 'template');
  const tmeta = tmpl ? child(tmpl, 'metadata') : undefined;
  const uid = meta['uid'];
  const manual = spec['manualSelector'] === true;
  if (tmeta && typeof uid === 'string' && uid && !manual) {
    const labels = child(tmeta, 'labels');
    if (labels) {
      const name = typeof meta['name'] === 'string' ? meta['name'] : '';
      for (const k of ['job-name', 'batch.kubernetes.io/job-name']) if (!(k in labels)) labels[k] = name;
      for (const k of ['controller-uid', 'batch.kubernetes.io/controller-uid']) if (!(k in labels)) labels[k] = uid;
    }
    const sel = child(spec, 'selector');
    const ml = sel ? child(sel, 'matchLabels') : undefined;
    if (ml && !('batch.kubernetes.io/controller-uid' in ml)) ml['batch.kubernetes.io/controller-uid'] = uid;
  }
  const tlabels = obj(tmeta?.['labels']);
  if (tlabels && Object.keys(obj(meta['labels']) ?? {}).length === 0) meta['labels'] = { ...tlabels };
  def(spec, 'completionMode', 'NonIndexed', true);
  def(spec, 'suspend', false);
  def(spec, 'podReplacementPolicy', spec['podFailurePolicy'] ? 'Failed' : 'TerminatingOrFailed', true);
  def(spec, 'manualSelector', false);
  for (const rule of items(obj(spec['podFailurePolicy'])?.['rules'])) for (const p of items(rule['onPodConditions'])) def(p, 'status', 'True', true);
  defaultPodTemplateSpec(spec['template']);
}

/** CronJob: concurrencyPolicy Allow, suspend false, history limits 3 and 1; the job template's pod defaults. */
export function defaultCronJob(cj: Obj): void {
  const spec = child(cj, 'spec');
  if (!spec) return;
  def(spec, 'concurrencyPolicy', 'Allow', true);
  def(spec, 'suspend', false);
  def(spec, 'successfulJobsHistoryLimit', 3);
  def(spec, 'failedJobsHistoryLimit', 1);
  defaultPodTemplateSpec(obj(obj(spec['jobTemplate'])?.['spec'])?.['template']);
}
