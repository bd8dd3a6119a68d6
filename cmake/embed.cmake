# Writes OUT, a C++ file defining netkube::api::kSchemaJson with the bytes of IN.
file(READ ${IN} content HEX)
string(LENGTH "${content}" n)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${content}")
file(WRITE ${OUT} "// Generated from ${IN}. Do not edit.\n#include <string_view>\nnamespace netkube::api {\nstatic const char kData[] = {${bytes}0};\nextern const std::string_view kSchemaJson(kData, sizeof(kData) - 1);\n}\n")
