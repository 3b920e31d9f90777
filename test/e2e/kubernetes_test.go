package e2e

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"go.yaml.in/yaml/v3"
)

// k8sObject is the part of a Kubernetes object the tests read. Unknown
// fields are allowed here: the checks below name what they need.
type k8sObject struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Data       map[string]string `yaml:"data"`
	StringData map[string]string `yaml:"stringData"`
	Spec       yaml.Node         `yaml:"spec"`
}

// spec decodes the object's spec.
func (o k8sObject) spec(t *testing.T, v any) {
	t.Helper()
	if o.Spec.Kind == 0 {
		t.Fatalf("%s %s has no spec", o.Kind, o.Metadata.Name)
	}
	if err := o.Spec.Decode(v); err != nil {
		t.Fatalf("%s %s: %v", o.Kind, o.Metadata.Name, err)
	}
}

type podSpec struct {
	SecurityContext struct {
		RunAsNonRoot bool  `yaml:"runAsNonRoot"`
		RunAsUser    int   `yaml:"runAsUser"`
		RunAsGroup   int   `yaml:"runAsGroup"`
		FSGroup      int64 `yaml:"fsGroup"`
	} `yaml:"securityContext"`
	Containers []struct {
		Name  string   `yaml:"name"`
		Image string   `yaml:"image"`
		Args  []string `yaml:"args"`
		Env   []struct {
			Name  string `yaml:"name"`
			Value string `yaml:"value"`
		} `yaml:"env"`
		Ports []struct {
			Name          string `yaml:"name"`
			ContainerPort int    `yaml:"containerPort"`
		} `yaml:"ports"`
		Resources struct {
			Requests map[string]string `yaml:"requests"`
			Limits   map[string]string `yaml:"limits"`
		} `yaml:"resources"`
		SecurityContext struct {
			AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
			ReadOnlyRootFilesystem   bool  `yaml:"readOnlyRootFilesystem"`
			Capabilities             struct {
				Drop []string `yaml:"drop"`
			} `yaml:"capabilities"`
		} `yaml:"securityContext"`
		VolumeMounts []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
			SubPath   string `yaml:"subPath"`
		} `yaml:"volumeMounts"`
	} `yaml:"containers"`
	Volumes []struct {
		Name      string `yaml:"name"`
		ConfigMap *struct {
			Name string `yaml:"name"`
		} `yaml:"configMap"`
		Secret *struct {
			SecretName  string `yaml:"secretName"`
			DefaultMode int    `yaml:"defaultMode"`
		} `yaml:"secret"`
	} `yaml:"volumes"`
}

type deploymentSpec struct {
	Replicas int `yaml:"replicas"`
	Selector struct {
		MatchLabels map[string]string `yaml:"matchLabels"`
	} `yaml:"selector"`
	Template struct {
		Metadata struct {
			Labels map[string]string `yaml:"labels"`
		} `yaml:"metadata"`
		Spec podSpec `yaml:"spec"`
	} `yaml:"template"`
}

// loadManifests reads every object of contrib/kubernetes by kind.
func loadManifests(t *testing.T) map[string]k8sObject {
	t.Helper()
	files, err := filepath.Glob(contribPath(t, "kubernetes", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in contrib/kubernetes (%v)", err)
	}
	objects := map[string]k8sObject{}
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var o k8sObject
			if err := dec.Decode(&o); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", filepath.Base(f), err)
			}
			if o.APIVersion == "" || o.Kind == "" || o.Metadata.Name == "" {
				t.Errorf("%s: an object without apiVersion, kind or name", filepath.Base(f))
			}
			objects[o.Kind] = o
		}
	}
	for _, kind := range []string{"Deployment", "Service", "Secret", "ConfigMap", "ServiceMonitor"} {
		if _, ok := objects[kind]; !ok {
			t.Errorf("contrib/kubernetes has no %s", kind)
		}
	}
	return objects
}

// TestKubernetesManifests checks the example manifests hold together and
// keep their promises: one locked-down replica with resources, the Secret
// and ConfigMap it mounts, a Service its pods match and a ServiceMonitor
// scraping the Service's port; the kustomization lists every file.
func TestKubernetesManifests(t *testing.T) {
	objects := loadManifests(t)
	var dep deploymentSpec
	objects["Deployment"].spec(t, &dep)
	pod := dep.Template.Spec
	if dep.Replicas != 1 {
		t.Errorf("%d replicas: every replica polls the API and shares the rate limit; want 1", dep.Replicas)
	}
	for k, v := range dep.Selector.MatchLabels {
		if dep.Template.Metadata.Labels[k] != v {
			t.Errorf("the Deployment's selector %s=%s does not match its pods", k, v)
		}
	}
	if !pod.SecurityContext.RunAsNonRoot || pod.SecurityContext.RunAsUser == 0 {
		t.Error("the pod may run as root")
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	sc := c.SecurityContext
	if !sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		strings.Join(sc.Capabilities.Drop, ",") != "ALL" {
		t.Errorf("container security: read-only root %v, privilege escalation %v, capabilities dropped %v; want true, false, ALL",
			sc.ReadOnlyRootFilesystem, sc.AllowPrivilegeEscalation, sc.Capabilities.Drop)
	}
	if c.Resources.Requests["memory"] == "" || c.Resources.Requests["cpu"] == "" || c.Resources.Limits["memory"] == "" {
		t.Errorf("resources %+v: want CPU and memory requests and a memory limit", c.Resources)
	}
	gomemlimit := ""
	for _, e := range c.Env {
		if e.Name == "GOMEMLIMIT" {
			gomemlimit = e.Value
		}
	}
	if gomemlimit == "" {
		t.Error("no GOMEMLIMIT: the Go runtime would let garbage grow to the memory limit and be killed")
	}
	if len(c.Ports) != 1 || c.Ports[0].ContainerPort != 9881 {
		t.Errorf("container ports %+v, want 9881", c.Ports)
	}

	// The Service selects the pods and exposes the named port the
	// ServiceMonitor scrapes.
	var svc struct {
		Selector map[string]string `yaml:"selector"`
		Ports    []struct {
			Name       string `yaml:"name"`
			Port       int    `yaml:"port"`
			TargetPort string `yaml:"targetPort"`
		} `yaml:"ports"`
	}
	objects["Service"].spec(t, &svc)
	for k, v := range svc.Selector {
		if dep.Template.Metadata.Labels[k] != v {
			t.Errorf("the Service's selector %s=%s does not match the pods", k, v)
		}
	}
	var sm struct {
		Selector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Endpoints []struct {
			Port string `yaml:"port"`
		} `yaml:"endpoints"`
	}
	objects["ServiceMonitor"].spec(t, &sm)
	if len(svc.Ports) != 1 || svc.Ports[0].TargetPort != c.Ports[0].Name || len(sm.Endpoints) != 1 || sm.Endpoints[0].Port != svc.Ports[0].Name {
		t.Errorf("ports do not line up: container %+v, Service %+v, ServiceMonitor %+v", c.Ports, svc.Ports, sm.Endpoints)
	}
	for k, v := range sm.Selector.MatchLabels {
		if objects["Service"].Metadata.Labels[k] != v {
			t.Errorf("the ServiceMonitor's selector %s=%s does not match the Service", k, v)
		}
	}
	if objects["ServiceMonitor"].APIVersion != "monitoring.coreos.com/v1" {
		t.Errorf("ServiceMonitor apiVersion %s", objects["ServiceMonitor"].APIVersion)
	}

	// Volumes name the Secret and ConfigMap shipped.
	for _, v := range pod.Volumes {
		switch {
		case v.ConfigMap != nil && v.ConfigMap.Name != objects["ConfigMap"].Metadata.Name:
			t.Errorf("volume %s mounts ConfigMap %s, the manifests ship %s", v.Name, v.ConfigMap.Name, objects["ConfigMap"].Metadata.Name)
		case v.Secret != nil && v.Secret.SecretName != objects["Secret"].Metadata.Name:
			t.Errorf("volume %s mounts Secret %s, the manifests ship %s", v.Name, v.Secret.SecretName, objects["Secret"].Metadata.Name)
		}
	}

	var kust struct {
		Resources []string `yaml:"resources"`
	}
	readYAML(t, contribPath(t, "kubernetes", "kustomization.yaml"), &kust)
	files, _ := filepath.Glob(contribPath(t, "kubernetes", "*.yaml"))
	if len(kust.Resources) != len(files)-1 {
		t.Errorf("kustomization.yaml lists %v; the directory has %d manifests", kust.Resources, len(files)-1)
	}
}

// TestKubernetesConfigChecks runs the exporter as the Deployment would:
// in a root holding only the binary, the ConfigMap's file and the Secret's
// file at their mount paths (with the Secret's mode and the pod's fsGroup),
// as the pod's user, with exactly the Deployment's arguments and
// environment, plus --config.check.
func TestKubernetesConfigChecks(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("running the exporter in a chroot as the pod's user needs root")
	}
	objects := loadManifests(t)
	var dep deploymentSpec
	objects["Deployment"].spec(t, &dep)
	pod := dep.Template.Spec
	c := pod.Containers[0]
	root := t.TempDir()
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, staticBinary(t), filepath.Join(root, "bin", "soracom_exporter"), 0o755)
	secretValue := ""
	for _, m := range c.VolumeMounts {
		for _, v := range pod.Volumes {
			if v.Name != m.Name {
				continue
			}
			switch {
			case v.ConfigMap != nil:
				data := objects["ConfigMap"].Data
				if m.SubPath == "" || data[m.SubPath] == "" {
					t.Fatalf("mount %s: the ConfigMap has no key %q", m.MountPath, m.SubPath)
				}
				copyFileContent(t, filepath.Join(root, m.MountPath), data[m.SubPath], 0o644, -1)
			case v.Secret != nil:
				for key, value := range objects["Secret"].StringData {
					secretValue = value
					copyFileContent(t, filepath.Join(root, m.MountPath, key), value, os.FileMode(v.Secret.DefaultMode), int(pod.SecurityContext.FSGroup))
				}
			}
		}
	}
	cmd := exec.Command("/bin/soracom_exporter", append(append([]string{}, c.Args...), "--config.check")...)
	cmd.Env = []string{}
	for _, e := range c.Env {
		cmd.Env = append(cmd.Env, e.Name+"="+e.Value)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Chroot: root,
		Credential: &syscall.Credential{Uid: uint32(pod.SecurityContext.RunAsUser), Gid: uint32(pod.SecurityContext.RunAsGroup),
			Groups: []uint32{uint32(pod.SecurityContext.FSGroup)}},
	}
	cmd.Dir = "/"
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the Deployment's arguments with --config.check: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "main") {
		t.Errorf("config check output does not show the account:\n%s", out)
	}
	if secretValue == "" || strings.Contains(string(out), secretValue) {
		t.Errorf("config check output shows the secret:\n%s", out)
	}
	t.Logf("--config.check in the pod's layout:\n%s", out)
}

// copyFileContent writes content to path (creating its directories) with a
// mode and, when gid >= 0, that group, as Kubernetes mounts a volume.
func copyFileContent(t *testing.T, path, content string, mode os.FileMode, gid int) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, content)
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	if gid >= 0 {
		if err := os.Chown(path, 0, gid); err != nil {
			t.Fatal(err)
		}
	}
}
