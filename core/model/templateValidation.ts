/**
 * The part of pod-template validation a Job needs: template labels and annotations, at least
 * one container, container names (required, DNS labels, unique across containers and init
 * containers), images (required), and the Job's own restart-policy rule (R42). The rest of
 * Kubernetes' pod validation (volumes, probes, resources, …) is out of scope.
 */
import type { FieldError } from './fieldErrors.js'
import { child, duplicate, index, invalid, notSupported, required } from './fieldErrors.js'
import { isDns1123Label, validateAnnotations, validateLabels } from './names.js'
import type { Container, JobSpec, PodTemplateSpec } from './types.js'

function validateContainerList(
  containers: ReadonlyArray<Container>,
  path: string,
  names: Set<string>,
): FieldError[] {
  const errs: FieldError[] = []
  containers.forEach((c, i) => {
    const namePath = child(index(path, i), 'name')
    if (c.name === '') errs.push(required(namePath))
    else errs.push(...isDns1123Label(c.name).map((m) => invalid(namePath, c.name, m)))
    if (names.has(c.name)) errs.push(duplicate(namePath, c.name))
    else names.add(c.name)
    if (c.image === undefined || c.image === '') errs.push(required(child(index(path, i), 'image')))
  })
  return errs
}

/** Template metadata and containers, at `path` (`spec.template`). */
export function validatePodTemplate(template: PodTemplateSpec, path: string): FieldError[] {
  const metaPath = child(path, 'metadata')
  const specPath = child(path, 'spec')
  const errs: FieldError[] = [
    ...validateLabels(template.metadata?.labels, child(metaPath, 'labels')),
    ...validateAnnotations(template.metadata?.annotations, child(metaPath, 'annotations')),
  ]
  const containers = template.spec.containers
  if (containers.length === 0) errs.push(required(child(specPath, 'containers')))
  const names = new Set<string>()
  errs.push(...validateContainerList(containers, child(specPath, 'containers'), names))
  errs.push(...validateContainerList(template.spec.initContainers ?? [], child(specPath, 'initContainers'), names))
  return errs
}

/** R42: only `OnFailure` or `Never`, and only `Never` with a podFailurePolicy. */
export function validateRestartPolicy(spec: JobSpec, path: string): FieldError[] {
  const policy = spec.template.spec.restartPolicy ?? ''
  const policyPath = child(path, 'template.spec.restartPolicy')
  if (policy === 'Always' || policy === '') return [required(policyPath, 'valid values: "OnFailure", "Never"')]
  if (policy !== 'OnFailure' && policy !== 'Never') return [notSupported(policyPath, policy, ['OnFailure', 'Never'])]
  if (spec.podFailurePolicy !== undefined && policy !== 'Never') {
    return [invalid(policyPath, policy, 'only "Never" is supported when podFailurePolicy is specified')]
  }
  return []
}
