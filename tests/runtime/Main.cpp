//===- Main.cpp - doctest entry point of the runtime's tests --------------===//
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
