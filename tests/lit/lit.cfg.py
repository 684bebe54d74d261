# lit configuration for cnnc's text-in, text-out tests.
#
# Substitutions: %cnnc (the compiler), %cnnrun (the model runner), %compiler (its sources), %samples
# (samples/), %inputs (tests/lit/Inputs), %fakemodels (the hand-written
# models of tests/runtime). FileCheck and `not` come from LLVM's tools
# directory, which is put first on PATH.
import os
import lit.formats

config.name = "cnnc"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".ir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = config.cnnc_obj_root
config.excludes = ["Inputs"]

config.environment["PATH"] = os.pathsep.join(
    [config.cnnc_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")])
config.substitutions.append(("%cnnrun", os.path.join(config.cnnc_tools_dir, "cnnrun", "cnnrun")))
config.substitutions.append(("%cnnc", os.path.join(config.cnnc_tools_dir, "cnnc")))
config.substitutions.append(("%fakemodels", config.cnnrt_fake_dir))
config.substitutions.append(("%samples", os.path.join(config.cnnc_src_root, "samples")))
config.substitutions.append(("%compiler", os.path.join(config.cnnc_src_root, "compiler")))
config.substitutions.append(("%docs", os.path.join(config.cnnc_src_root, "docs")))
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Inputs")))

# The sanitizer build (scripts/test.sh --sanitize): feature `asan`.
if config.cnnc_sanitize.upper() in ("ON", "1", "TRUE", "YES"):
    config.available_features.add("asan")
