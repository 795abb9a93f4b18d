// Decodes request bodies captured from the real kubectl (v1.32) and compares them with kubectl's own JSON rendering.

import { describe, expect, it } from 'vitest';
import { decodeProtobufObject, encodeProtobufObject } from './index.js';

/**
 * `body`: the protobuf body kubectl POSTed for `command` (base64). `expected`: what the same command prints with
 * `--dry-run=client -o json`, i.e. upstream's JSON encoding of the very object it sent.
 */
const FIXTURES: Array<{ command: string; body: string; expected: Record<string, unknown> }> = [
  {
    command: "kubectl create namespace demo",
    body:
      "azhzAAoPCgJ2MRIJTmFtZXNwYWNlEhwKFAoEZGVtbxIAGgAiACoAMgA4AEIAEgAaAgoAGgAiAA==",
    expected: {
      "kind": "Namespace",
      "apiVersion": "v1",
      "metadata": {
        "name": "demo",
        "creationTimestamp": null
      },
      "spec": {},
      "status": {}
    },
  },
  {
    command: "kubectl -n default create secret generic creds --from-literal=password=s3cr3t --type=Opaque",
    body:
      "azhzAAoMCgJ2MRIGU2VjcmV0EjoKHAoFY3JlZHMSABoHZGVmYXVsdCIAKgAyADgAQgASEgoIcGFzc3dvcmQSBnMzY3IzdBoGT3Bh" +
      "cXVlGgAiAA==",
    expected: {
      "kind": "Secret",
      "apiVersion": "v1",
      "metadata": {
        "name": "creds",
        "namespace": "default",
        "creationTimestamp": null
      },
      "data": {
        "password": "czNjcjN0"
      },
      "type": "Opaque"
    },
  },
  {
    command: "kubectl -n default create deployment web --image=nginx:1.27 --replicas=0 --port=80",
    body:
      "azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50EsQBCiYKA3dlYhIAGgdkZWZhdWx0IgAqADIAOABCAFoKCgNhcHASA3dlYhKLAQgA" +
      "EgwKCgoDYXBwEgN3ZWIacQocCgASABoAIgAqADIAOABCAFoKCgNhcHASA3dlYhJREjMKBW5naW54EgpuZ2lueDoxLjI3KgAyCgoA" +
      "EAAYUCIAKgBCAGoAcgCAAQCIAQCQAQCiAQAaADIAQgBKAFIAWABgAGgAggEAigEAmgEAwgEAIgIKACgAOAAaDAgAEAAYACAAKAA4" +
      "ABoAIgA=",
    expected: {
      "kind": "Deployment",
      "apiVersion": "apps/v1",
      "metadata": {
        "name": "web",
        "namespace": "default",
        "creationTimestamp": null,
        "labels": {
          "app": "web"
        }
      },
      "spec": {
        "replicas": 0,
        "selector": {
          "matchLabels": {
            "app": "web"
          }
        },
        "template": {
          "metadata": {
            "creationTimestamp": null,
            "labels": {
              "app": "web"
            }
          },
          "spec": {
            "containers": [
              {
                "name": "nginx",
                "image": "nginx:1.27",
                "ports": [
                  {
                    "containerPort": 80
                  }
                ],
                "resources": {}
              }
            ]
          }
        },
        "strategy": {}
      },
      "status": {}
    },
  },
  {
    command: "kubectl -n default create service clusterip web --tcp=80:8080",
    body:
      "azhzAAoNCgJ2MRIHU2VydmljZRJwCiYKA3dlYhIAGgdkZWZhdWx0IgAqADIAOABCAFoKCgNhcHASA3dlYhJCChsKBzgwLTgwODAS" +
      "A1RDUBhQIgcIABCQPxoAKAASCgoDYXBwEgN3ZWIaACIJQ2x1c3RlcklQOgBCAFIAWgBgAGgAGgIKABoAIgA=",
    expected: {
      "kind": "Service",
      "apiVersion": "v1",
      "metadata": {
        "name": "web",
        "namespace": "default",
        "creationTimestamp": null,
        "labels": {
          "app": "web"
        }
      },
      "spec": {
        "ports": [
          {
            "name": "80-8080",
            "protocol": "TCP",
            "port": 80,
            "targetPort": 8080
          }
        ],
        "selector": {
          "app": "web"
        },
        "type": "ClusterIP"
      },
      "status": {
        "loadBalancer": {}
      }
    },
  },
  {
    command: "kubectl -n default create service nodeport np --tcp=80:http --node-port=30080",
    body:
      "azhzAAoNCgJ2MRIHU2VydmljZRJxCiQKAm5wEgAaB2RlZmF1bHQiACoAMgA4AEIAWgkKA2FwcBICbnASRQogCgc4MC1odHRwEgNU" +
      "Q1AYUCIKCAEQABoEaHR0cCiA6wESCQoDYXBwEgJucBoAIghOb2RlUG9ydDoAQgBSAFoAYABoABoCCgAaACIA",
    expected: {
      "kind": "Service",
      "apiVersion": "v1",
      "metadata": {
        "name": "np",
        "namespace": "default",
        "creationTimestamp": null,
        "labels": {
          "app": "np"
        }
      },
      "spec": {
        "ports": [
          {
            "name": "80-http",
            "protocol": "TCP",
            "port": 80,
            "targetPort": "http",
            "nodePort": 30080
          }
        ],
        "selector": {
          "app": "np"
        },
        "type": "NodePort"
      },
      "status": {
        "loadBalancer": {}
      }
    },
  },
  {
    command: "kubectl -n default create pdb pdb --selector=app=web --min-available=50%",
    body:
      "azhzAAogCglwb2xpY3kvdjESE1BvZERpc3J1cHRpb25CdWRnZXQSQwoaCgNwZGISABoHZGVmYXVsdCIAKgAyADgAQgASGQoJCAEQ" +
      "ABoDNTAlEgwKCgoDYXBwEgN3ZWIaCggAGAAgACgAMAAaACIA",
    expected: {
      "kind": "PodDisruptionBudget",
      "apiVersion": "policy/v1",
      "metadata": {
        "name": "pdb",
        "namespace": "default",
        "creationTimestamp": null
      },
      "spec": {
        "minAvailable": "50%",
        "selector": {
          "matchLabels": {
            "app": "web"
          }
        }
      },
      "status": {
        "disruptionsAllowed": 0,
        "currentHealthy": 0,
        "desiredHealthy": 0,
        "expectedPods": 0
      }
    },
  },
  {
    command: "kubectl -n default create ingress ing --rule=foo.com/bar*=svc1:8080,tls=my-cert --class=nginx",
    body:
      "azhzAAofChRuZXR3b3JraW5nLms4cy5pby92MRIHSW5ncmVzcxJtChoKA2luZxIAGgdkZWZhdWx0IgAqADIAOABCABJLEhIKB2Zv" +
      "by5jb20SB215LWNlcnQaLgoHZm9vLmNvbRIjCiEKHwoEL2JhchIPIg0KBHN2YzESBQoAEJA/GgZQcmVmaXgiBW5naW54GgIKABoA" +
      "IgA=",
    expected: {
      "kind": "Ingress",
      "apiVersion": "networking.k8s.io/v1",
      "metadata": {
        "name": "ing",
        "namespace": "default",
        "creationTimestamp": null
      },
      "spec": {
        "ingressClassName": "nginx",
        "tls": [
          {
            "hosts": [
              "foo.com"
            ],
            "secretName": "my-cert"
          }
        ],
        "rules": [
          {
            "host": "foo.com",
            "http": {
              "paths": [
                {
                  "path": "/bar",
                  "pathType": "Prefix",
                  "backend": {
                    "service": {
                      "name": "svc1",
                      "port": {
                        "number": 8080
                      }
                    }
                  }
                }
              ]
            }
          }
        ]
      },
      "status": {
        "loadBalancer": {}
      }
    },
  },
  {
    command: "kubectl -n default create quota q --hard=cpu=1,memory=1G,pods=2 --scopes=BestEffort",
    body:
      "azhzAAoTCgJ2MRINUmVzb3VyY2VRdW90YRJTChgKAXESABoHZGVmYXVsdCIAKgAyADgAQgASNQoKCgNjcHUSAwoBMQoOCgZtZW1v" +
      "cnkSBAoCMUcKCwoEcG9kcxIDCgEyEgpCZXN0RWZmb3J0GgAaACIA",
    expected: {
      "kind": "ResourceQuota",
      "apiVersion": "v1",
      "metadata": {
        "name": "q",
        "namespace": "default",
        "creationTimestamp": null
      },
      "spec": {
        "hard": {
          "cpu": "1",
          "memory": "1G",
          "pods": "2"
        },
        "scopes": [
          "BestEffort"
        ]
      },
      "status": {}
    },
  },
  {
    command: "kubectl -n default create job j --image=busybox -- echo hi",
    body:
      "azhzAAoPCghiYXRjaC92MRIDSm9iEokBChgKAWoSABoHZGVmYXVsdCIAKgAyADgAQgASYzJhChAKABIAGgAiACoAMgA4AEIAEk0S" +
      "KgoBahIHYnVzeWJveBoEZWNobxoCaGkqAEIAagByAIABAIgBAJABAKIBABoFTmV2ZXIyAEIASgBSAFgAYABoAIIBAIoBAJoBAMIB" +
      "ABoIIAAoADAAOgAaACIA",
    expected: {
      "kind": "Job",
      "apiVersion": "batch/v1",
      "metadata": {
        "name": "j",
        "namespace": "default",
        "creationTimestamp": null
      },
      "spec": {
        "template": {
          "metadata": {
            "creationTimestamp": null
          },
          "spec": {
            "containers": [
              {
                "name": "j",
                "image": "busybox",
                "command": [
                  "echo",
                  "hi"
                ],
                "resources": {}
              }
            ],
            "restartPolicy": "Never"
          }
        }
      },
      "status": {}
    },
  },
  {
    command: "kubectl -n default create rolebinding rb --role=r --user=alice --serviceaccount=default:sa --group=g",
    body:
      "azhzAAorChxyYmFjLmF1dGhvcml6YXRpb24uazhzLmlvL3YxEgtSb2xlQmluZGluZxK3AQoZCgJyYhIAGgdkZWZhdWx0IgAqADIA" +
      "OABCABIqCgRVc2VyEhlyYmFjLmF1dGhvcml6YXRpb24uazhzLmlvGgVhbGljZSIAEicKBUdyb3VwEhlyYmFjLmF1dGhvcml6YXRp" +
      "b24uazhzLmlvGgFnIgASHwoOU2VydmljZUFjY291bnQSABoCc2EiB2RlZmF1bHQaJAoZcmJhYy5hdXRob3JpemF0aW9uLms4cy5p" +
      "bxIEUm9sZRoBchoAIgA=",
    expected: {
      "kind": "RoleBinding",
      "apiVersion": "rbac.authorization.k8s.io/v1",
      "metadata": {
        "name": "rb",
        "namespace": "default",
        "creationTimestamp": null
      },
      "subjects": [
        {
          "kind": "User",
          "apiGroup": "rbac.authorization.k8s.io",
          "name": "alice"
        },
        {
          "kind": "Group",
          "apiGroup": "rbac.authorization.k8s.io",
          "name": "g"
        },
        {
          "kind": "ServiceAccount",
          "name": "sa",
          "namespace": "default"
        }
      ],
      "roleRef": {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": "r"
      }
    },
  },
  {
    command: "kubectl create priorityclass pc --value=1000 --description=d --preemption-policy=Never",
    body:
      "azhzAAolChRzY2hlZHVsaW5nLms4cy5pby92MRINUHJpb3JpdHlDbGFzcxIjChIKAnBjEgAaACIAKgAyADgAQgAQ6AcYACIBZCoF" +
      "TmV2ZXIaACIA",
    expected: {
      "kind": "PriorityClass",
      "apiVersion": "scheduling.k8s.io/v1",
      "metadata": {
        "name": "pc",
        "creationTimestamp": null
      },
      "value": 1000,
      "description": "d",
      "preemptionPolicy": "Never"
    },
  },
];

describe('bodies sent by kubectl', () => {
  for (const f of FIXTURES) {
    it(f.command, () => {
      const decoded = decodeProtobufObject(Buffer.from(f.body, 'base64'));
      expect(decoded).toStrictEqual(f.expected);
      expect(decodeProtobufObject(encodeProtobufObject(decoded))).toStrictEqual(f.expected);
    });
  }
});
