package config

import (
	"regexp"
	"strings"
)

// CredentialSource says where an account's credentials come from. Exactly
// one method is set: an AuthKey, a soracom-cli profile, a root account's
// email, or a SAM user. Secrets are named (an environment variable or a
// file), never written here.
type CredentialSource struct {
	AuthKeyID   string `yaml:"auth_key_id,omitempty"`
	AuthKeyEnv  string `yaml:"auth_key_env,omitempty"`
	AuthKeyFile string `yaml:"auth_key_file,omitempty"`

	Profile string `yaml:"profile,omitempty"`

	Email string `yaml:"email,omitempty"`

	OperatorID string `yaml:"operator_id,omitempty"`
	UserName   string `yaml:"user_name,omitempty"`

	// The password of an email or SAM user login.
	PasswordEnv  string `yaml:"password_env,omitempty"`
	PasswordFile string `yaml:"password_file,omitempty"`
}

// Method names the login method for logs: authkey, profile, root, sam_user,
// or none.
func (c CredentialSource) Method() string {
	if m := c.methods(); len(m) == 1 {
		return m[0].name
	}
	return "none"
}

type credentialMethod struct {
	name string // as Method reports it
	key  string // the first key set that selects it, for messages
}

// methods lists the login methods the set keys select.
func (c CredentialSource) methods() []credentialMethod {
	var m []credentialMethod
	for _, g := range []struct {
		method string
		keys   []keyValue
	}{
		{"authkey", []keyValue{{"auth_key_id", c.AuthKeyID}, {"auth_key_env", c.AuthKeyEnv}, {"auth_key_file", c.AuthKeyFile}}},
		{"profile", []keyValue{{"profile", c.Profile}}},
		{"root", []keyValue{{"email", c.Email}}},
		{"sam_user", []keyValue{{"operator_id", c.OperatorID}, {"user_name", c.UserName}}},
	} {
		for _, k := range g.keys {
			if k.value != "" {
				m = append(m, credentialMethod{name: g.method, key: k.key})
				break
			}
		}
	}
	return m
}

type keyValue struct{ key, value string }

const oneCredentialMethod = "set exactly one of auth_key_id (+ auth_key_env or auth_key_file), profile, " +
	"email (+ password_env or password_file), or operator_id + user_name (+ password_env or password_file)"

var (
	envVarName  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	profileName = regexp.MustCompile(`^[^/\\]+$`)
)

// validate checks that one complete method is set. Its messages never
// repeat a value that could be a secret written in the wrong place.
func (c CredentialSource) validate(path string, ps *problems) {
	methods := c.methods()
	switch len(methods) {
	case 0:
		ps.add(path, "%s", oneCredentialMethod)
		return
	case 1:
	default:
		found := make([]string, len(methods))
		for i, m := range methods {
			found[i] = m.key
		}
		ps.add(path, "%s; found %s", oneCredentialMethod, strings.Join(found, " and "))
		return
	}
	c.checkEnvNames(path, ps)
	switch methods[0].name {
	case "authkey":
		c.validateAuthKey(path, ps)
	case "profile":
		if !profileName.MatchString(c.Profile) || c.Profile == "." || c.Profile == ".." {
			ps.add(path+".profile", "must be a soracom-cli profile name (NAME in ~/.soracom/NAME.json), without / or \\")
		}
		c.refusePassword(path, "profile", ps)
	case "root":
		if !strings.Contains(c.Email, "@") {
			ps.add(path+".email", "must be the root account's email address")
		}
		c.validatePassword(path, "email", ps)
	case "sam_user":
		if c.OperatorID == "" || c.UserName == "" {
			ps.add(path, "a SAM user needs both operator_id (OP...) and user_name")
		}
		c.validatePassword(path, "a SAM user", ps)
	}
}

func (c CredentialSource) validateAuthKey(path string, ps *problems) {
	switch {
	case c.AuthKeyID == "":
		ps.add(path, "auth_key_id is missing: an AuthKey needs its ID (keyId-...) next to auth_key_env or auth_key_file")
	case strings.HasPrefix(c.AuthKeyID, "secret-"):
		ps.add(path+".auth_key_id", "holds an AuthKey secret, which must not be written in this file: "+
			"put the secret in auth_key_env or auth_key_file, and its ID (keyId-...) here")
	}
	switch {
	case c.AuthKeyEnv == "" && c.AuthKeyFile == "":
		ps.add(path, "auth_key_id needs its secret: set auth_key_env (the name of an environment variable) or auth_key_file")
	case c.AuthKeyEnv != "" && c.AuthKeyFile != "":
		ps.add(path, "set only one of auth_key_env and auth_key_file")
	}
	c.refusePassword(path, "auth_key_id", ps)
}

func (c CredentialSource) validatePassword(path, login string, ps *problems) {
	switch {
	case c.PasswordEnv == "" && c.PasswordFile == "":
		ps.add(path, "%s needs a password: set password_env (the name of an environment variable) or password_file", login)
	case c.PasswordEnv != "" && c.PasswordFile != "":
		ps.add(path, "set only one of password_env and password_file")
	}
}

func (c CredentialSource) refusePassword(path, method string, ps *problems) {
	if c.PasswordEnv != "" || c.PasswordFile != "" {
		ps.add(path, "password_env and password_file belong to email or operator_id + user_name logins, not to %s: remove them", method)
	}
}

// checkEnvNames refuses an environment variable "name" that is not one,
// which is most often the secret itself pasted in the wrong key; the value
// is not repeated.
func (c CredentialSource) checkEnvNames(path string, ps *problems) {
	for _, e := range []keyValue{{"auth_key_env", c.AuthKeyEnv}, {"password_env", c.PasswordEnv}} {
		if e.value != "" && !envVarName.MatchString(e.value) {
			ps.add(path+"."+e.key, "must be the name of an environment variable (letters, digits and _), not the secret itself")
		}
	}
}
