"""Names that are public by proof, as data: only these ever leave a machine by name (chefwrap.shim.context).

Everything else a lock file or a kitchen.yml names (an in-house cookbook, a private driver, a golden
image) is counted, never named.
"""

# Cookbooks: a Policyfile lock entry came from the public Supermarket when its artifact server is the
# public Supermarket's download URL for that very cookbook and version.
PUBLIC_SUPERMARKET_HOSTS = ("supermarket.chef.io", "supermarket.getchef.com")
# Berkshelf's old JSON lock names a `site` per cookbook; these are the public ones.
PUBLIC_BERKSHELF_SITES = (
    "https://supermarket.chef.io",
    "https://supermarket.chef.io/api/v1",
    "https://supermarket.getchef.com",
    "https://supermarket.getchef.com/api/v1",
    "http://cookbooks.opscode.com/api/v1",
    "https://cookbooks.opscode.com/api/v1",
)

# Test Kitchen plugins published as public gems, by the name kitchen.yml uses for them.
PUBLIC_KITCHEN_PLUGINS = {
    "driver": (
        "vagrant", "dokken", "docker", "ec2", "azurerm", "vcenter", "vsphere", "openstack", "gce", "google",
        "digitalocean", "hyperv", "lxd_cli", "lxc", "exec", "dummy", "proxy", "cloudstack", "qemu", "oci",
        "terraform", "kubernetes", "linode", "opennebula", "vra", "hetznercloud", "podman", "pulumi", "wsl",
    ),
    "provisioner": (
        "chef_infra", "chef_zero", "chef_solo", "chef_target", "policyfile_zero", "chef_apply", "dokken", "shell",
        "dummy", "ansible_playbook", "ansible_push", "salt_solo", "puppet_apply", "puppet_agent", "dsc",
        "powershell_script",
    ),
    "verifier": ("inspec", "busser", "shell", "dummy", "serverspec", "pester", "dsc", "goss", "testinfra", "terraform"),
    "transport": ("ssh", "winrm", "dokken", "docker", "exec", "sshtar", "speedy_ssh", "rsync", "train", "kubernetes", "dummy"),
}

# Platforms: a generic OS name and version (ubuntu-22.04, windows-2019, centos-stream-9), alone or as a
# box or image of the public bento and dokken families.
PUBLIC_OS_FAMILIES = (
    "almalinux", "amazonlinux", "centos", "centos-stream", "debian", "fedora", "freebsd", "macos", "macosx",
    "opensuse", "opensuse-leap", "oraclelinux", "redhat", "rhel", "rockylinux", "sles", "ubuntu", "windows",
    "alpine", "arch", "archlinux", "gentoo", "solaris", "openbsd", "photon",
)
PUBLIC_BOX_PREFIXES = ("bento/", "dokken/")
ARCHITECTURE_SUFFIXES = ("", "-x86_64", "-amd64", "-arm64", "-aarch64", "-i386")
