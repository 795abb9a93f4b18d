// Workload validation: apps/v1 Deployment, ReplicaSet, StatefulSet, DaemonSet and core/v1 ReplicationController.
import { field, type FieldError, validateAnnotations, validateLabels } from '../../apimachinery/index.js';
import { validatePodTemplateSpec } from './pod.js';
import {
  asObj,
  deepEqual,
  immutable,
  intOrPercentValue,
  nonNegative,
  notMoreThan100Percent,
  type Obj,
  str,
  strMap,
  toSelector,
  validateLabelSelector,
  validatePositiveIntOrPercent,
} from './util.js';

const tmplSpec = (spec: Obj): Obj => asObj(asObj(spec['template'])?.['spec']) ?? {};
const tmplLabels = (spec: Obj): Record<string, string> => strMap(asObj(asObj(spec['template'])?.['metadata'])?.['labels']);

/** Selector required, strictly valid and non-empty ("empty selector is invalid for <what>"). */
function selectorChecks(spec: Obj, what: string): FieldError[] {
  const sel = spec['selector'];
  if (!asObj(sel)) return [field.required('spec.selector')];
  const errs = validateLabelSelector(sel, 'spec.selector');
  const s = asObj(sel) ?? {};
  if (Object.keys(strMap(s['matchLabels'])).length + (Array.isArray(s['matchExpressions']) ? s['matchExpressions'].length : 0) === 0) {
    errs.push(field.invalid('spec.selector', sel, `empty selector is invalid for ${what}`));
  }
  return errs;
}

/** upstream ValidatePodTemplateSpecForReplicaSet (also Deployment): labels match, pod template, restartPolicy Always. */
function templateForReplicaSet(spec: Obj, kind: string): FieldError[] {
  const errs: FieldError[] = [];
  const selector = toSelector(spec['selector']);
  if (!selector) return [field.invalid('spec.selector', spec['selector'] ?? null, 'invalid label selector')];
  const labels = tmplLabels(spec);
  if (!selector.empty() && !selector.matches(labels)) {
    errs.push(field.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
  }
  errs.push(...validatePodTemplateSpec(spec['template'], 'spec.template'));
  const ps = tmplSpec(spec);
  if (str(ps['restartPolicy']) !== 'Always') errs.push(field.notSupported('spec.template.spec.restartPolicy', str(ps['restartPolicy']), ['Always']));
  if (ps['activeDeadlineSeconds'] !== undefined && ps['activeDeadlineSeconds'] !== null) {
    errs.push(field.forbidden('spec.template.spec.activeDeadlineSeconds', `activeDeadlineSeconds in ${kind} is not Supported`));
  }
  return errs;
}

/** upstream ValidateDeploymentSpec on a v1 Deployment. */
export function validateDeployment(obj: Obj): FieldError[] {
  const spec = asObj(obj['spec']) ?? {};
  const errs = nonNegative(spec['replicas'], 'spec.replicas');
  errs.push(...selectorChecks(spec, 'deployment'));
  errs.push(...templateForReplicaSet(spec, 'ReplicaSet'));
  const strategy = asObj(spec['strategy']) ?? {};
  const ru = asObj(strategy['rollingUpdate']);
  switch (strategy['type']) {
    case 'Recreate':
      if (ru) errs.push(field.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
      break;
    case 'RollingUpdate':
      if (!ru) errs.push(field.required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil'));
      else {
        errs.push(...validatePositiveIntOrPercent(ru['maxUnavailable'], 'spec.strategy.rollingUpdate.maxUnavailable'));
        errs.push(...validatePositiveIntOrPercent(ru['maxSurge'], 'spec.strategy.rollingUpdate.maxSurge'));
        if (intOrPercentValue(ru['maxUnavailable']) === 0 && intOrPercentValue(ru['maxSurge']) === 0) {
          errs.push(field.invalid('spec.strategy.rollingUpdate.maxUnavailable', ru['maxUnavailable'] ?? 0, 'may not be 0 when `maxSurge` is 0'));
        }
        errs.push(...notMoreThan100Percent(ru['maxUnavailable'], 'spec.strategy.rollingUpdate.maxUnavailable'));
      }
      break;
    default:
      errs.push(field.notSupported('spec.strategy', strategy, ['Recreate', 'RollingUpdate']));
  }
  errs.push(...nonNegative(spec['minReadySeconds'], 'spec.minReadySeconds'));
  errs.push(...nonNegative(spec['revisionHistoryLimit'], 'spec.revisionHistoryLimit'));
  const pds = spec['progressDeadlineSeconds'];
  if (typeof pds === 'number') {
    errs.push(...nonNegative(pds, 'spec.progressDeadlineSeconds'));
    if (pds <= (typeof spec['minReadySeconds'] === 'number' ? spec['minReadySeconds'] : 0)) {
      errs.push(field.invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

/** upstream ValidateReplicaSetSpec on a v1 ReplicaSet. */
export function validateReplicaSet(obj: Obj): FieldError[] {
  const spec = asObj(obj['spec']) ?? {};
  const errs = nonNegative(spec['replicas'], 'spec.replicas');
  errs.push(...nonNegative(spec['minReadySeconds'], 'spec.minReadySeconds'));
  errs.push(...selectorChecks(spec, 'deployment'));
  errs.push(...templateForReplicaSet(spec, 'ReplicaSet'));
  return errs;
}

/** upstream ValidateStatefulSetSpec on a v1 StatefulSet (the pod spec itself is not validated, as upstream). */
export function validateStatefulSet(obj: Obj): FieldError[] {
  const spec = asObj(obj['spec']) ?? {};
  const errs: FieldError[] = [];
  const pmp = str(spec['podManagementPolicy']);
  if (!pmp) errs.push(field.required('spec.podManagementPolicy'));
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel') errs.push(field.invalid('spec.podManagementPolicy', pmp, "must be 'OrderedReady' or 'Parallel'"));
  const us = asObj(spec['updateStrategy']) ?? {};
  const ru = asObj(us['rollingUpdate']);
  switch (str(us['type'])) {
    case '':
      errs.push(field.required('spec.updateStrategy'));
      break;
    case 'OnDelete':
      if (ru) errs.push(field.invalid('spec.updateStrategy.rollingUpdate', ru, "only allowed for updateStrategy 'RollingUpdate'"));
      break;
    case 'RollingUpdate':
      if (ru) {
        errs.push(...nonNegative(ru['partition'], 'spec.updateStrategy.rollingUpdate.partition'));
        if (ru['maxUnavailable'] !== undefined && ru['maxUnavailable'] !== null) {
          const p = 'spec.updateStrategy.rollingUpdate.maxUnavailable';
          errs.push(...validatePositiveIntOrPercent(ru['maxUnavailable'], p));
          if (intOrPercentValue(ru['maxUnavailable']) === 0) errs.push(field.invalid(p, ru['maxUnavailable'], 'cannot be 0'));
          errs.push(...notMoreThan100Percent(ru['maxUnavailable'], p));
        }
      }
      break;
    default:
      errs.push(field.invalid('spec.updateStrategy', us, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  const rp = asObj(spec['persistentVolumeClaimRetentionPolicy']);
  if (rp) {
    for (const k of ['whenDeleted', 'whenScaled']) {
      const v = str(rp[k]);
      if (v !== 'Retain' && v !== 'Delete') errs.push(field.notSupported(`spec.persistentVolumeClaimRetentionPolicy.${k}`, v, ['Retain', 'Delete']));
    }
  }
  errs.push(...nonNegative(spec['replicas'], 'spec.replicas'));
  errs.push(...nonNegative(spec['minReadySeconds'], 'spec.minReadySeconds'));
  const ord = asObj(spec['ordinals']);
  if (ord) errs.push(...nonNegative(ord['start'], 'spec.ordinals.start'));
  if (asObj(spec['selector'])) errs.push(...selectorChecks(spec, 'statefulset'));
  else errs.push(field.required('spec.selector'));
  const selector = toSelector(spec['selector']);
  if (!selector) errs.push(field.invalid('spec.selector', spec['selector'] ?? null, ''));
  else {
    const labels = tmplLabels(spec);
    if (!selector.empty() && !selector.matches(labels)) {
      errs.push(field.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
    }
    const meta = asObj(asObj(spec['template'])?.['metadata']) ?? {};
    errs.push(...validateLabels(strMap(meta['labels']), 'spec.template.labels'));
    errs.push(...validateAnnotations(strMap(meta['annotations']), 'spec.template.annotations'));
  }
  const ps = tmplSpec(spec);
  if (str(ps['restartPolicy']) !== 'Always') errs.push(field.notSupported('spec.template.spec.restartPolicy', str(ps['restartPolicy']), ['Always']));
  if (ps['activeDeadlineSeconds'] !== undefined && ps['activeDeadlineSeconds'] !== null) {
    errs.push(field.forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in StatefulSet is not Supported'));
  }
  return errs;
}

/** upstream ValidateStatefulSetUpdate: only replicas, ordinals, template, updateStrategy, PVC retention and minReadySeconds may change. */
export function validateStatefulSetUpdate(obj: Obj, old: Obj): FieldError[] {
  const errs = validateStatefulSet(obj);
  const ns = { ...(asObj(obj['spec']) ?? {}) };
  const os = asObj(old['spec']) ?? {};
  for (const k of ['replicas', 'template', 'updateStrategy', 'minReadySeconds', 'ordinals', 'persistentVolumeClaimRetentionPolicy']) ns[k] = os[k];
  if (!deepEqual(ns, os)) {
    errs.push(
      field.forbidden(
        'spec',
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  }
  return errs;
}

/** upstream ValidateDaemonSetSpec on a v1 DaemonSet. */
export function validateDaemonSet(obj: Obj): FieldError[] {
  const spec = asObj(obj['spec']) ?? {};
  const errs = validateLabelSelector(spec['selector'], 'spec.selector');
  const selector = toSelector(spec['selector']);
  const labels = tmplLabels(spec);
  if (selector && !selector.matches(labels)) errs.push(field.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
  const sel = asObj(spec['selector']);
  if (sel && Object.keys(strMap(sel['matchLabels'])).length + (Array.isArray(sel['matchExpressions']) ? sel['matchExpressions'].length : 0) === 0) {
    errs.push(field.invalid('spec.selector', sel, 'empty selector is invalid for daemonset'));
  }
  errs.push(...validatePodTemplateSpec(spec['template'], 'spec.template'));
  const ps = tmplSpec(spec);
  if (str(ps['restartPolicy']) !== 'Always') errs.push(field.notSupported('spec.template.spec.restartPolicy', str(ps['restartPolicy']), ['Always']));
  if (ps['activeDeadlineSeconds'] !== undefined && ps['activeDeadlineSeconds'] !== null) {
    errs.push(field.forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in DaemonSet is not Supported'));
  }
  errs.push(...nonNegative(spec['minReadySeconds'], 'spec.minReadySeconds'));
  errs.push(...nonNegative(spec['templateGeneration'], 'spec.templateGeneration'));
  const us = asObj(spec['updateStrategy']) ?? {};
  switch (us['type']) {
    case 'OnDelete':
      break;
    case 'RollingUpdate': {
      const ru = asObj(us['rollingUpdate']);
      if (!ru) {
        errs.push(field.required('spec.updateStrategy.rollingUpdate'));
        break;
      }
      const p = 'spec.updateStrategy.rollingUpdate';
      errs.push(...validatePositiveIntOrPercent(ru['maxUnavailable'], `${p}.maxUnavailable`));
      errs.push(...validatePositiveIntOrPercent(ru['maxSurge'], `${p}.maxSurge`));
      errs.push(...notMoreThan100Percent(ru['maxUnavailable'], `${p}.maxUnavailable`));
      errs.push(...notMoreThan100Percent(ru['maxSurge'], `${p}.maxSurge`));
      const hasU = intOrPercentValue(ru['maxUnavailable']) !== 0;
      const hasS = intOrPercentValue(ru['maxSurge']) !== 0;
      if (hasU && hasS) errs.push(field.invalid(`${p}.maxSurge`, ru['maxSurge'], 'may not be set when maxUnavailable is non-zero'));
      else if (!hasU && !hasS) errs.push(field.required(`${p}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
      break;
    }
    default:
      errs.push(field.notSupported('spec.updateStrategy', us, ['RollingUpdate', 'OnDelete']));
  }
  errs.push(...nonNegative(spec['revisionHistoryLimit'], 'spec.revisionHistoryLimit'));
  return errs;
}

/** upstream ValidateReplicationControllerSpec on a v1 ReplicationController. */
export function validateReplicationController(obj: Obj): FieldError[] {
  const spec = asObj(obj['spec']) ?? {};
  const errs = nonNegative(spec['minReadySeconds'], 'spec.minReadySeconds');
  const selector = strMap(spec['selector']);
  if (Object.keys(selector).length === 0) errs.push(field.required('spec.selector'));
  errs.push(...nonNegative(spec['replicas'], 'spec.replicas'));
  if (!asObj(spec['template'])) {
    errs.push(field.required('spec.template'));
    return errs;
  }
  const labels = tmplLabels(spec);
  if (Object.keys(selector).length > 0 && !Object.entries(selector).every(([k, v]) => labels[k] === v)) {
    errs.push(field.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
  }
  errs.push(...validatePodTemplateSpec(spec['template'], 'spec.template'));
  const ps = tmplSpec(spec);
  if (str(ps['restartPolicy']) !== 'Always') errs.push(field.notSupported('spec.template.spec.restartPolicy', str(ps['restartPolicy']), ['Always']));
  if (ps['activeDeadlineSeconds'] !== undefined && ps['activeDeadlineSeconds'] !== null) {
    errs.push(field.forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in ReplicationController is not Supported'));
  }
  return errs;
}

/** The apps/v1 strategy rule: `spec.selector` may not change on update (`field is immutable`). */
export function selectorImmutable(obj: Obj, old: Obj): FieldError[] {
  return immutable(asObj(obj['spec'])?.['selector'], asObj(old['spec'])?.['selector'], 'spec.selector');
}
