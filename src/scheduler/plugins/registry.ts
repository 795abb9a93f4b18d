// The in-tree plugin registry: plugin name -> factory (upstream plugins.NewInTreeRegistry).
import type { Registry } from '../runtime.js';
import { DefaultBinder, NodeName, NodePorts, NodeUnschedulable, PrioritySort, SchedulingGates } from './basic.js';
import { DefaultPreemption, type DefaultPreemptionArgs } from './defaultpreemption.js';
import { ImageLocality } from './imagelocality.js';
import { InterPodAffinity, type InterPodAffinityArgs } from './interpodaffinity.js';
import { NodeAffinity, type NodeAffinityArgs } from './nodeaffinity.js';
import { NodeResourcesBalancedAllocation, NodeResourcesFit, type NodeResourcesBalancedAllocationArgs, type NodeResourcesFitArgs } from './noderesources.js';
import { PodTopologySpread, type PodTopologySpreadArgs } from './podtopologyspread.js';
import { TaintToleration } from './tainttoleration.js';
import { VolumeBinding, type VolumeBindingArgs } from './volumebinding.js';
import { VolumeRestrictions } from './volumerestrictions.js';
import { VolumeZone } from './volumezone.js';

/** Default (v1) plugins kubets does not implement yet; a profile naming them gets them left out silently. */
export const UNIMPLEMENTED_PLUGINS: ReadonlySet<string> = new Set([
  'NodeVolumeLimits',
  'EBSLimits',
  'GCEPDLimits',
  'AzureDiskLimits',
  'CinderLimits',
]);

/** Every in-tree plugin kubets has. */
export function inTreeRegistry(): Registry {
  return {
    PrioritySort: () => new PrioritySort(),
    SchedulingGates: () => new SchedulingGates(),
    NodeName: () => new NodeName(),
    NodeUnschedulable: () => new NodeUnschedulable(),
    NodePorts: () => new NodePorts(),
    NodeAffinity: (args) => new NodeAffinity(args as NodeAffinityArgs),
    TaintToleration: () => new TaintToleration(),
    NodeResourcesFit: (args) => new NodeResourcesFit(args as NodeResourcesFitArgs),
    NodeResourcesBalancedAllocation: (args) => new NodeResourcesBalancedAllocation(args as NodeResourcesBalancedAllocationArgs),
    ImageLocality: (_args, h) => new ImageLocality(() => h.snapshot()),
    DefaultBinder: (_args, h) => new DefaultBinder(() => h.client),
    InterPodAffinity: (args, h) => new InterPodAffinity(args as InterPodAffinityArgs, h),
    PodTopologySpread: (args, h) => new PodTopologySpread(args as PodTopologySpreadArgs, h),
    DefaultPreemption: (args, h) => new DefaultPreemption(h, args as DefaultPreemptionArgs),
    VolumeRestrictions: (_args, h) => new VolumeRestrictions(h),
    VolumeBinding: (args, h) => new VolumeBinding(args as VolumeBindingArgs, h),
    VolumeZone: (_args, h) => new VolumeZone(h),
  };
}
