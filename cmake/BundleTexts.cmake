# cmake -DOUT=<file> -DFILES=<a;b;...> -P BundleTexts.cmake
#
# Concatenates text files into one bundle, each preceded by a line
# "//@@file <name>" (its file name), for compiler/cuda/Library.cpp to embed
# and split again.
set(bundle "")
foreach(f ${FILES})
  get_filename_component(name ${f} NAME)
  file(READ ${f} text)
  string(APPEND bundle "//@@file ${name}\n${text}")
endforeach()
file(WRITE ${OUT}.tmp "${bundle}")
file(RENAME ${OUT}.tmp ${OUT})
