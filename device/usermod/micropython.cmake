include(${CMAKE_CURRENT_LIST_DIR}/microlearn/micropython.cmake)
