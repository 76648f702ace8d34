"""A Chef repository's context files as users have them: public cookbooks and plugins beside private ones
(acme's), for the context tests (tests/shim/test_context.py) and the benchmarks."""

PRIVATE = ["acme", "internal", "hunter2", "golden", "secret-suite"]

POLICYFILE_LOCK = {
    "revision_id": "5f0c3cbd56e3b5fd3de2b0e7f1f2f0c8a3b4b0d6e7f8a9b0c1d2e3f4a5b6c7d8",
    "name": "webserver",
    "run_list": ["recipe[acme_web::default]"],
    "included_policy_locks": [],
    "cookbook_locks": {
        "acme_web": {
            "version": "0.4.2",
            "identifier": "0b4f1b8c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a",
            "dotted_decimal_identifier": "3185573398941301.25813046640025151.95468399661775",
            "source": "cookbooks/acme_web",
            "cache_key": None,
            "scm_info": {"scm": "git", "remote": "git@github.internal.acme.com:web/acme_web.git", "revision": "0123456789abcdef", "working_tree_clean": True, "published": True, "synchronized_remote_branches": ["origin/main"]},
            "source_options": {"path": "cookbooks/acme_web"},
        },
        "nginx": {
            "version": "12.2.7",
            "identifier": "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b",
            "dotted_decimal_identifier": "7364538475564762.34536475869708.168359012451610",
            "cache_key": "nginx-12.2.7-supermarket.chef.io",
            "origin": "https://supermarket.chef.io:443/api/v1/cookbooks/nginx/versions/12.2.7/download",
            "source_options": {"artifactserver": "https://supermarket.chef.io:443/api/v1/cookbooks/nginx/versions/12.2.7/download", "version": "12.2.7"},
        },
        "apt": {
            "version": "7.5.22",
            "identifier": "2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c",
            "dotted_decimal_identifier": "12174839208734.7382910238472.4983274837262",
            "cache_key": "apt-7.5.22-supermarket.chef.io",
            "origin": "https://supermarket.chef.io/api/v1/cookbooks/apt/versions/7.5.22/download",
            "source_options": {"artifactserver": "https://supermarket.chef.io/api/v1/cookbooks/apt/versions/7.5.22/download", "version": "7.5.22"},
        },
        "acme_secrets": {
            "version": "1.0.0",
            "identifier": "3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d",
            "dotted_decimal_identifier": "1.2.3",
            "cache_key": "acme_secrets-1.0.0-supermarket.acme.internal",
            "origin": "https://supermarket.acme.internal/api/v1/cookbooks/acme_secrets/versions/1.0.0/download",
            "source_options": {"artifactserver": "https://supermarket.acme.internal/api/v1/cookbooks/acme_secrets/versions/1.0.0/download", "version": "1.0.0"},
        },
        "acme_base": {
            "version": "2.1.0",
            "identifier": "4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e",
            "dotted_decimal_identifier": "1.2.3",
            "cache_key": "acme_base-4d5e6f7a",
            "source_options": {"git": "https://github.internal.acme.com/ops/acme_base.git", "revision": "4d5e6f7a"},
        },
        "acme_server_side": {
            "version": "3.0.0",
            "identifier": "5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f",
            "dotted_decimal_identifier": "1.2.3",
            "cache_key": "acme_server_side-3.0.0-chef.acme.internal",
            "source_options": {"chef_server": "https://chef.acme.internal/organizations/acme", "version": "3.0.0"},
        },
        # A look-alike host, and a public URL that names another cookbook: neither proves anything.
        "acme_impostor": {
            "version": "1.0.0",
            "source_options": {"artifactserver": "https://supermarket.chef.io.acme.internal/api/v1/cookbooks/acme_impostor/versions/1.0.0/download"},
        },
        "acme_borrowed": {
            "version": "1.0.0",
            "source_options": {"artifactserver": "https://supermarket.chef.io/api/v1/cookbooks/nginx/versions/12.2.7/download"},
        },
    },
    "default_attributes": {"acme": {"token": "hunter2"}},
    "override_attributes": {},
    "solution_dependencies": {"Policyfile": [["nginx", ">= 0.0.0"]], "dependencies": {"nginx (12.2.7)": []}},
}

BERKSFILE_LOCK = """DEPENDENCIES
  acme_app
    path: .
    metadata: true
  acme_private
    git: git@github.internal.acme.com:ops/acme_private.git
    revision: 0123abcd0123abcd0123abcd0123abcd0123abcd
  apt (~> 7.0)

GRAPH
  acme_app (0.1.0)
    apt (>= 0.0.0)
  acme_private (2.3.4)
  apt (7.5.22)
"""

OLD_BERKSFILE_LOCK = {
    "sha": "23150cfe61b7b86882013c8664883058560b899d",
    "sources": {
        "ntp": {"locked_version": "1.1.8", "site": "https://supermarket.chef.io/api/v1"},
        "acme_ntp": {"locked_version": "0.1.0", "site": "https://supermarket.acme.internal/api/v1"},
        "acme_local": {"locked_version": "0.2.0", "path": "/home/alice/acme_local"},
    },
}

KITCHEN_YML = """---
driver:
  name: vagrant
  customize:
    memory: 2048
provisioner:
  name: chef_infra
  product_name: chef
  product_version: <%= ENV['CHEF_VERSION'] || '18' %>
verifier:
  name: inspec
<% if ENV['CI'] %>
transport:
  name: ssh
<% end %>
platforms:
  - name: ubuntu-22.04
  - name: centos
    driver:
      box: bento/centos-stream-9
  - name: tagged
    driver:
      image: dokken/ubuntu-22.04:acme-internal-build
  - name: acme-golden-rhel8
    driver:
      box: acme/golden-rhel8
      box_url: https://artifacts.acme.internal/boxes/golden-rhel8.box
suites:
  - name: acme-secret-suite
    run_list:
      - recipe[acme_web::default]
    attributes:
      acme:
        token: hunter2
"""
