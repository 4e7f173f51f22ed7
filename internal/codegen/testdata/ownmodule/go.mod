// Template of the module TestGoldenOwnModule builds the generated code in;
// REPO_ROOT is replaced with the evctl checkout.
module example.com/evctlgen

go 1.26.8

require github.com/evctl/evctl v0.0.0

replace github.com/evctl/evctl => REPO_ROOT
