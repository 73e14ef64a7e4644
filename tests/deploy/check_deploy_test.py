#!/usr/bin/python3
"""deploy/check_deploy.py static must fail on what a platform team would reject.

  check_deploy_test.py [--bin-dir DIR]

Each case copies the files check_deploy.py reads (deploy/, dashboards/, .dockerignore,
scripts/test.sh, the CMakeLists naming the executables) into a temporary folder, breaks one thing,
and requires `check_deploy.py static` there to exit 1 with a message naming it; the unbroken copy
must pass. Exit 0 = every case as expected (a unittest run).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN_DIR = None


def copy_tree(dst):
    for folder in ("deploy", "dashboards"):
        shutil.copytree(os.path.join(ROOT, folder), os.path.join(dst, folder),
                        ignore=shutil.ignore_patterns("node_modules", "__pycache__"))
    for f in (".dockerignore", "scripts/test.sh", "scripts/install-deps.sh", "server/CMakeLists.txt",
              "agents/CMakeLists.txt", "cli/CMakeLists.txt"):
        os.makedirs(os.path.dirname(os.path.join(dst, f)) or dst, exist_ok=True)
        shutil.copy(os.path.join(ROOT, f), os.path.join(dst, f))


def edit(path, old, new, count=1):
    with open(path) as f:
        text = f.read()
    if old not in text:
        raise AssertionError(f"{path}: {old!r} not found (the case is out of date)")
    with open(path, "w") as f:
        f.write(text.replace(old, new, count))


class CheckDeployStatic(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="nashnet-check-deploy-")
        copy_tree(self.tmp)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def path(self, rel):
        return os.path.join(self.tmp, rel)

    def check(self, parts="compose,grafana,k8s"):
        # The Dockerfile part (apt-cache, ldd) is the same in every case: checked once, below.
        argv = [sys.executable, self.path("deploy/check_deploy.py"), "static", f"--parts={parts}"]
        if BIN_DIR:
            argv += ["--bin-dir", BIN_DIR]
        return subprocess.run(argv, capture_output=True, text=True, timeout=120)

    def assertRejected(self, *needles):
        out = self.check()
        self.assertEqual(out.returncode, 1, f"accepted:\n{out.stdout}{out.stderr}")
        for needle in needles:
            self.assertIn(needle, out.stderr)

    def test_the_files_as_committed_pass(self):
        out = self.check("dockerfile,compose,grafana,k8s")
        self.assertEqual(out.returncode, 0, out.stderr)

    def test_a_mounted_service_account_token(self):
        edit(self.path("deploy/k8s/coordinator.yaml"), "automountServiceAccountToken: false",
             "automountServiceAccountToken: true")
        self.assertRejected("StatefulSet nashnet-coordinator", "automountServiceAccountToken")

    def test_readiness_that_changes_nothing(self):
        edit(self.path("deploy/k8s/coordinator.yaml"), "  clusterIP: None\n  selector:",
             "  clusterIP: None\n  publishNotReadyAddresses: true\n  selector:")
        self.assertRejected("must not publish not-ready addresses")

    def test_a_memory_limit_below_the_admission_budget(self):
        edit(self.path("deploy/k8s/coordinator.yaml"), "memory: 2Gi", "memory: 1Gi", count=2)
        self.assertRejected("memory limit 1Gi < --memory-budget-bytes")

    def test_a_short_grace_period(self):
        edit(self.path("deploy/k8s/coordinator.yaml"), "terminationGracePeriodSeconds: 120",
             "terminationGracePeriodSeconds: 30")
        self.assertRejected("terminationGracePeriodSeconds 30")

    def test_no_disruption_budget(self):
        path = self.path("deploy/k8s/coordinator.yaml")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text[:text.index("---\n# Voluntary disruptions")])
        self.assertRejected("no PodDisruptionBudget")

    def test_a_readiness_probe_on_the_tls_port(self):
        edit(self.path("deploy/k8s/coordinator.yaml"), "readinessProbe:\n            grpc:\n              port: 50052",
             "readinessProbe:\n            grpc:\n              port: 50051")
        self.assertRejected("readinessProbe gRPC port 50051 is not --health-listen")

    def test_reflection_on(self):
        edit(self.path("deploy/k8s/coordinator.yaml"), "            - --quiet\n",
             "            - --quiet\n            - --reflection\n")
        self.assertRejected("--reflection")

    def test_a_hand_edited_experiment(self):
        edit(self.path("deploy/k8s/experiment-braess.yaml"), "completions: 8", "completions: 7")
        self.assertRejected("completions/parallelism 7/8", "regenerate it")

    def test_an_agent_pinned_to_a_replica_that_does_not_exist(self):
        edit(self.path("deploy/k8s/experiments/braess.yaml"), "replicas: 3", "replicas: 4")
        edit(self.path("deploy/k8s/experiments/braess.yaml"), "{id: braess-s3, seed: 3}",
             "{id: braess-s3, seed: 3, replica: 3}")
        out = subprocess.run([sys.executable, self.path("deploy/k8s/generate.py"),
                              self.path("deploy/k8s/experiments/braess.yaml"), "--out",
                              self.path("deploy/k8s/experiment-braess.yaml")], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertRejected("dials replica 3, the StatefulSet has 3")

    def test_agents_with_their_own_learner(self):
        edit(self.path("deploy/k8s/experiment-braess.yaml"), "- --quiet\n", "- --quiet\n        - --algorithm=hedge\n")
        self.assertRejected("--algorithm: agents play the game's learner")

    def test_an_emptydir_state_file_with_pods_replaced_on_failure(self):
        edit(self.path("deploy/k8s/experiment-braess.yaml"), "restartPolicy: OnFailure", "restartPolicy: Never")
        self.assertRejected("an emptyDir state file needs restartPolicy OnFailure")

    def test_the_admin_token_in_the_agent_container(self):
        edit(self.path("deploy/k8s/experiment-braess.yaml"),
             "        - name: join-token\n          mountPath: /etc/nashnet/tokens\n          readOnly: true\n      volumes:",
             "        - name: join-token\n          mountPath: /etc/nashnet/tokens\n          readOnly: true\n"
             "        - name: admin-token\n          mountPath: /etc/nashnet/admin\n          readOnly: true\n      volumes:")
        self.assertRejected("the agent container mounts the admin token")

    def test_prometheus_may_not_scrape(self):
        edit(self.path("deploy/k8s/network-policy.yaml"), "nashnet.io/role: prometheus\n      ports:\n        - port: 9464",
             "nashnet.io/role: dashboard\n      ports:\n        - port: 9464")
        self.assertRejected("prometheus pods may not reach the coordinators' port 9464")

    def test_a_hard_coded_datasource(self):
        path = self.path("dashboards/grafana/convergence.json")
        with open(path) as f:
            dash = json.load(f)
        dash["panels"][0]["targets"][0]["datasource"] = {"type": "prometheus", "uid": "nashnet-prometheus"}
        with open(path, "w") as f:
            json.dump(dash, f)
        self.assertRejected("datasource uid 'nashnet-prometheus' is not the datasource variable")

    def test_a_query_that_ignores_the_coordinator(self):
        path = self.path("dashboards/grafana/coordinator.json")
        with open(path) as f:
            dash = json.load(f)
        dash["panels"][1]["targets"][0]["expr"] = "sum(nashnet_agents_connected)"
        with open(path, "w") as f:
            json.dump(dash, f)
        self.assertRejected("ignores $instance")

    def test_compose_agents_without_a_state_volume(self):
        edit(self.path("deploy/compose.yaml"), "    volumes:\n      # One anonymous volume per agent container",
             "    x-volumes:\n      # One anonymous volume per agent container")
        self.assertRejected("--state-file /var/lib/nashnet/agent/state is not on a volume")

    def test_compose_agents_before_the_game_exists(self):
        edit(self.path("deploy/compose.yaml"), "condition: service_completed_successfully",
             "condition: service_started")
        self.assertRejected("agents must wait for the create service")

    def test_compose_tls_overlay_with_an_undeclared_secret(self):
        edit(self.path("deploy/compose.tls.yaml"), "secrets: [ca.crt, client.crt, client.key, join-token]",
             "secrets: [ca.crt, client.crt, client.key]")
        self.assertRejected("services.agent: uses /run/secrets/join-token but does not list it")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin-dir", help="the built executables (their --help checks the flags)")
    args, rest = parser.parse_known_args()
    BIN_DIR = args.bin_dir
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=1)
